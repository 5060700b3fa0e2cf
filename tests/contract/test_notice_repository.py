"""`NoticeRepository` contract."""

from datetime import UTC, datetime

from domain.model.notices import NoticeDraft
from domain.model.paging import PageRequest
from tests.contract.backends import Backend

AT = datetime(2026, 11, 25, 18, 0, 0, 123000, tzinfo=UTC)


async def test_ids_increase_and_a_notice_reads_back_as_added(backend: Backend) -> None:
    repository = backend.notices()

    first = await repository.add(NoticeDraft(title="a", body="b"), created_at=AT)
    second = await repository.add(NoticeDraft(title="c", body="d"), created_at=AT)

    assert second.id > first.id
    assert await backend.notices().get(first.id) == first
    assert (first.title, first.body, first.created_at) == ("a", "b", AT)


async def test_an_unknown_id_is_none(backend: Backend) -> None:
    assert await backend.notices().get(12345) is None


async def test_pages_are_newest_first_with_the_total(backend: Backend) -> None:
    repository = backend.notices()
    for n in range(7):
        await repository.add(NoticeDraft(title=f"n{n}", body="b"), created_at=AT)

    page = await repository.page(PageRequest(limit=3, offset=2))
    past_the_end = await repository.page(PageRequest(limit=3, offset=7))

    assert [notice.title for notice in page.items] == ["n4", "n3", "n2"]
    assert page.total == 7
    assert (past_the_end.items, past_the_end.total) == ((), 7)
