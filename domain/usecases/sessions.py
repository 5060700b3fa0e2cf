"""Session use-cases: who a bearer token belongs to, and ending a session."""

import hmac

from domain.model.errors import Forbidden, NotAuthenticated
from domain.model.identity import UserId
from domain.model.otp import token_digest
from ports.token_store import TokenStore


class Authenticate:
    """Resolve bearer tokens: a user's session token, the administrator token, the ingestion
    token.

    `user` returns the session's user or raises `NotAuthenticated`. `admin` returns for the
    administrator token (compared in constant time), raises `Forbidden` for a valid user token
    and `NotAuthenticated` for anything else. `ingest` returns for the ingestion token or the
    administrator token and raises `NotAuthenticated` for anything else: it looks nothing up,
    since ingestion is the high-volume path (a session token is simply not the credential).
    """

    def __init__(self, tokens: TokenStore, *, admin_token: str, ingest_token: str) -> None:
        self._tokens = tokens
        self._admin_token = admin_token.encode()
        self._ingest_token = ingest_token.encode()

    async def user(self, token: str | None) -> UserId:
        user_id = await self._tokens.session_user(token_digest(token)) if token else None
        if user_id is None:
            raise NotAuthenticated("a valid session token is required")
        return user_id

    async def admin(self, token: str | None) -> None:
        if token and hmac.compare_digest(token.encode(), self._admin_token):
            return
        if token and await self._tokens.session_user(token_digest(token)) is not None:
            raise Forbidden("this operation needs the administrator token")
        raise NotAuthenticated("the administrator token is required")

    async def ingest(self, token: str | None) -> None:
        offered = (token or "").encode()
        # NOTE: both compared, always: how long a refusal takes says nothing about which
        # token came close.
        ingest = hmac.compare_digest(offered, self._ingest_token)
        admin = hmac.compare_digest(offered, self._admin_token)
        if not (token and (ingest or admin)):
            raise NotAuthenticated("the ingestion token (INGEST_TOKEN) is required")


class EndSession:
    """End the session of a token at once; `NotAuthenticated` if it is not a live session."""

    def __init__(self, tokens: TokenStore) -> None:
        self._tokens = tokens

    async def __call__(self, token: str | None) -> None:
        if not token or not await self._tokens.close_session(token_digest(token)):
            raise NotAuthenticated("a valid session token is required")
