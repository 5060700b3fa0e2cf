"""`/sessions/current`: ending the caller's session (Level 2)."""

from typing import Final

import falcon.asgi

from adapters.http.auth import bearer_token
from adapters.http.routing import Auth, Operation, Reply, Route
from domain.usecases.sessions import EndSession


class SessionsResource:
    """`DELETE /sessions/current`: the bearer token stops working at once."""

    def __init__(self, end: EndSession) -> None:
        self._end = end

    async def end(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._end(bearer_token(req))


ROUTES: Final = (
    Route(
        path="/sessions/current",
        resource=SessionsResource,
        operations=(
            Operation(
                method="DELETE",
                handler=SessionsResource.end,
                summary="End the caller's session",
                reply=Reply(status=204, description="Ended", media_type=None),
                auth=Auth.USER,
                resolves_user=False,
            ),
        ),
    ),
)
