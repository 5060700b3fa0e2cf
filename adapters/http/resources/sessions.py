"""`/sessions/current`: ending the caller's session (Level 2)."""

import falcon.asgi

from adapters.http.auth import bearer_token
from domain.usecases.sessions import EndSession


class SessionsResource:
    """`DELETE /sessions/current`: the bearer token stops working at once."""

    def __init__(self, end: EndSession) -> None:
        self._end = end

    async def end(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._end(bearer_token(req))
