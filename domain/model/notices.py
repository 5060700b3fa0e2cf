"""The notice board: notices, their pages, and how a page was served (cache status)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.model.paging import PageRequest
from domain.model.rules import JsonObject, Text
from domain.model.timestamps import rfc3339

TITLE = Text(1, 200, trim=True)
BODY = Text(1, 10_000, trim=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeDraft:
    """A notice as posted, before the repository gives it an id."""

    title: str
    body: str


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


def notice_payload(notice: Notice) -> JsonObject:
    """The notice as the API and the `notice.created` event show it."""
    return {
        "id": notice.id,
        "title": notice.title,
        "body": notice.body,
        "created_at": rfc3339(notice.created_at),
    }
