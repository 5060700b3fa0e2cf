"""The notice board: notices, their pages, and how a page was served (cache status)."""

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.model.paging import PageRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeDraft:
    """A notice as posted, before the repository gives it an id."""

    title: str
    body: str

    def __post_init__(self) -> None:
        if not self.title.strip() or not self.body.strip():
            raise ValueError("a notice needs a title and a body")


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """A published notice."""

    id: int
    title: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticePage:
    """One page of notices, newest first, and how many notices there are in all."""

    request: PageRequest
    items: tuple[Notice, ...]
    total: int


class CacheStatus(StrEnum):
    """Where a page came from: the cache (`HIT`), the repository after a miss, or the
    repository because the cache is disabled or unreachable (`BYPASS`)."""

    HIT = "HIT"
    MISS = "MISS"
    BYPASS = "BYPASS"
    NEAR_HIT = "NEAR_HIT"
    """Counted apart (`cache_requests_total{result="near_hit"}`): a hit the process's near
    cache served. A listing never carries it: to clients it is a `HIT`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeListing:
    """A page of notices as clients read it (rendered), and how it was served."""

    body: bytes
    cache: CacheStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class CachePolicy:
    """How pages are cached and filled.

    - `ttl_seconds`: the life of a page, up to `ttl_jitter` of it shorter (drawn per page), so
      that pages filled together do not expire together.
    - `lease_seconds`: how long one filler holds a page's fill before another may take over
      (a filler that died leaves nothing behind for longer).
    - `wait_seconds`: how long a reader waits for another instance's fill before it reads the
      repository itself; it never fails for want of that fill.
    """

    ttl_seconds: int
    """From CACHE_TTL_SECONDS."""
    lease_seconds: float
    wait_seconds: float
    """Both derived from REQUEST_DEADLINE_SECONDS (see `Settings.cache_policy`)."""
    ttl_jitter: float = 0.1

    def ttl(self, draw: float) -> int:
        """The life of one page, for a `draw` in [0, 1)."""
        return max(1, self.ttl_seconds - math.floor(self.ttl_seconds * self.ttl_jitter * draw))
