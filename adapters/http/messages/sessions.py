"""Bodies of sessions: the bearer token a verified code opens."""

from typing import Literal, Self

from msgspec import Struct

from adapters.http.messages.fields import Seconds
from domain.model.identity import Session as OpenedSession


class Session(Struct):
    """A session opened by a verified code: send `token` as `Authorization: Bearer <token>`."""

    verified: Literal[True]
    token: str
    token_type: Literal["Bearer"]
    expires_in: Seconds

    @classmethod
    def of(cls, session: OpenedSession) -> Self:
        return cls(True, session.token, "Bearer", session.expires_in)
