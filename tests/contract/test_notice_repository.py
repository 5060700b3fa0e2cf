"""`NoticeRepository` contract: in process, on SQLite and on PostgreSQL."""

import asyncio
from datetime import UTC, datetime

from domain.model.notices import NoticeDraft
from domain.model.paging import PageRequest
from tests.contract.repositories import RepositoryBackend

AT = datetime(2026, 11, 25, 18, 0, 0, 123456, tzinfo=UTC)
HOSTILE = [
    "Robert'); DROP TABLE notices;--",
    '" OR 1=1 -- \\ \\\\ % _ $1 ? :name',
    "emoji \U0001f600 and a combining e\u0301, RTL \u202e, zero width \u200b",
    "line\nbreaks\r\nand\ttabs",
    "\x01\x1f control characters (NUL is refused at the edge)",
    "x" * 10_000,
]


async def test_ids_increase_and_a_notice_reads_back_as_added(
    repository: RepositoryBackend,
) -> None:
    notices = repository.notices()

    first = await notices.add(NoticeDraft(title="a", body="b"), created_at=AT)
    second = await notices.add(NoticeDraft(title="c", body="d"), created_at=AT)

    assert second.id > first.id
    assert await repository.notices().get(first.id) == first, "another instance reads it"
    assert (first.title, first.body, first.created_at) == ("a", "b", AT)


async def test_an_unknown_id_is_none(repository: RepositoryBackend) -> None:
    assert await repository.notices().get(12345) is None
    assert await repository.notices().get(2**63 - 1) is None


async def test_pages_are_newest_first_with_the_total(repository: RepositoryBackend) -> None:
    notices = repository.notices()
    for n in range(7):
        await notices.add(NoticeDraft(title=f"n{n}", body="b"), created_at=AT)

    page = await repository.notices().page(PageRequest(limit=3, offset=2))
    past_the_end = await notices.page(PageRequest(limit=3, offset=7))

    assert [notice.title for notice in page.items] == ["n4", "n3", "n2"]
    assert page.total == 7
    assert (past_the_end.items, past_the_end.total) == ((), 7)


async def test_text_is_stored_and_returned_exactly(repository: RepositoryBackend) -> None:
    notices = repository.notices()
    added = [
        await notices.add(NoticeDraft(title=text[:200], body=text), created_at=AT)
        for text in HOSTILE
    ]

    read = [await repository.notices().get(notice.id) for notice in added]

    assert read == added
    assert [(n.title, n.body) for n in read if n] == [(t[:200], t) for t in HOSTILE]


async def test_concurrent_adds_get_distinct_increasing_ids(repository: RepositoryBackend) -> None:
    added = await asyncio.gather(
        *(
            repository.notices().add(NoticeDraft(title=f"t{n}", body="b"), created_at=AT)
            for n in range(40)
        )
    )

    ids = [notice.id for notice in added]
    assert len(set(ids)) == 40
    page = await repository.notices().page(PageRequest(limit=100))
    assert [notice.id for notice in page.items] == sorted(ids, reverse=True)
