"""The notice board: notices, their pages, and how a page was served (cache status)."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeListing:
    """A page of notices and how it was served."""

    page: NoticePage
    cache: CacheStatus
