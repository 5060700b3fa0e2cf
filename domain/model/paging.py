"""Offset pagination shared by every list: notices, leaderboards and coupon claims."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """Which slice of an ordered list to return: `limit` items from position `offset`."""

    limit: int
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit < 1 or self.offset < 0:
            raise ValueError(f"a page needs limit >= 1 and offset >= 0, not {self}")
