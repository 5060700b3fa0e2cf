"""Bearer credentials: reading them from the request and asking the domain who they are."""

import falcon.asgi

from domain.model.identity import UserId
from domain.usecases.sessions import Authenticate


def bearer_token(req: falcon.asgi.Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    header = req.get_header("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class Guard:
    """What the responders call: `await guard.user(req)`, `guard.admin(req)` or
    `guard.ingest(req)`."""

    def __init__(self, authenticate: Authenticate) -> None:
        self._authenticate = authenticate

    async def user(self, req: falcon.asgi.Request) -> UserId:
        return await self._authenticate.user(bearer_token(req))

    async def admin(self, req: falcon.asgi.Request) -> None:
        await self._authenticate.admin(bearer_token(req))

    async def ingest(self, req: falcon.asgi.Request) -> None:
        await self._authenticate.ingest(bearer_token(req))
