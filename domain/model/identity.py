"""Who is asking: user identifiers and the sessions that carry them."""

from dataclasses import dataclass
from typing import NewType

UserId = NewType("UserId", str)
"""A user, as named in `POST /otp`; validated at the edge."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A bearer token just handed to `user_id`; the token itself is stored only as a digest."""

    user_id: UserId
    token: str
    expires_in: int
