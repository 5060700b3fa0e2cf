"""Bodies of `/notices`: a draft as posted, a notice, a page of notices."""

from typing import Annotated, Self

import msgspec
from msgspec import Struct

import domain.model.notices as model
from adapters.http.messages.fields import (
    Count,
    Id,
    Limit,
    Offset,
    Timestamp,
    free_text,
    rfc3339,
    trim,
)

Title = Annotated[str, free_text(200)]
Body = Annotated[str, free_text(10_000)]


class NoticeDraft(Struct, forbid_unknown_fields=True):
    """A notice to post."""

    title: Title
    body: Body

    def to_domain(self) -> model.NoticeDraft:
        return model.NoticeDraft(title=trim(self.title), body=trim(self.body))


class Notice(Struct):
    """A published notice."""

    id: Id
    title: str
    body: str
    created_at: Timestamp

    @classmethod
    def of(cls, notice: model.Notice) -> Self:
        return cls(notice.id, notice.title, notice.body, rfc3339(notice.created_at))


class NoticePage(Struct):
    """One page of notices, newest first, and how many there are in all."""

    items: list[Notice]
    limit: Limit
    offset: Offset
    total: Count

    @classmethod
    def of(cls, page: model.NoticePage) -> Self:
        items = [Notice.of(notice) for notice in page.items]
        return cls(items, page.request.limit, page.request.offset, page.total)


_encode = msgspec.json.Encoder().encode


def render_page(page: model.NoticePage) -> bytes:
    """A page as clients read it: what the cache keeps and a hit writes as it is."""
    return _encode(NoticePage.of(page))
