"""Who is asking: user identifiers and the sessions that carry them."""

from dataclasses import dataclass
from typing import NewType

UserId = NewType("UserId", str)
"""A user in canonical form (lower case), as `user_id` names it; validated at the edge."""


def user_id(name: str) -> UserId:
    """The user a `user_id` names: names are case-insensitive, so `Alice`, `ALICE` and `alice`
    are one user, kept, limited and shown as `alice`."""
    return UserId(name.lower())


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A bearer token just handed to `user_id`; the token itself is stored only as a digest."""

    user_id: UserId
    token: str
    expires_in: int
