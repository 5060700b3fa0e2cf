"""`/sessions/current`: ending the caller's session (Level 2)."""

from falcon.asgi import Request, Response

from adapters.http.auth import bearer_token
from adapters.http.routing import Auth, Reply, operation
from domain.usecases.sessions import EndSession

ENDED = Reply(status=204, description="Ended", media_type=None)


class SessionsResource:
    """`DELETE /sessions/current`: the bearer token stops working at once."""

    def __init__(self, end: EndSession) -> None:
        self._end = end

    @operation("DELETE", "/sessions/current", ENDED, auth=Auth.USER, resolves_user=False)
    async def end(self, req: Request, resp: Response) -> None:
        """End the caller's session."""
        await self._end(bearer_token(req))
