"""Offset pagination shared by every list: notices, leaderboards and coupon claims."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """Which slice of an ordered list to return: `limit` items from position `offset`."""

    limit: int
    offset: int = 0
