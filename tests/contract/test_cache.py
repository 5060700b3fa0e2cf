"""`Cache` contract: stamps, generations, TTL."""

from datetime import UTC, datetime

from domain.model.notices import Notice, NoticePage
from domain.model.paging import PageRequest
from tests.contract.backends import Backend

FIRST = PageRequest(limit=20, offset=0)
SECOND = PageRequest(limit=20, offset=20)


def page_of(request: PageRequest, *titles: str) -> NoticePage:
    moment = datetime(2026, 11, 25, 18, 0, 0, 123000, tzinfo=UTC)
    items = tuple(
        Notice(id=n + 1, title=title, body="b", created_at=moment) for n, title in enumerate(titles)
    )
    return NoticePage(request=request, items=items, total=len(items))


async def test_a_stored_page_is_found_with_its_stamp(backend: Backend) -> None:
    cache = backend.cache()
    miss = await cache.lookup(FIRST)

    await cache.store(FIRST, page_of(FIRST, "a", "b"), stamp=miss.stamp, ttl_seconds=300)

    hit = await backend.cache().lookup(FIRST)
    assert miss.page is None
    assert hit.page == page_of(FIRST, "a", "b")
    assert (await cache.lookup(SECOND)).page is None, "pages are cached separately"


async def test_invalidation_drops_every_page_for_every_instance(backend: Backend) -> None:
    cache, other_instance = backend.cache(), backend.cache()
    for request in (FIRST, SECOND):
        stamp = (await cache.lookup(request)).stamp
        await cache.store(request, page_of(request, "x"), stamp=stamp, ttl_seconds=300)

    await other_instance.invalidate_pages()

    assert (await cache.lookup(FIRST)).page is None
    assert (await cache.lookup(SECOND)).page is None


async def test_a_page_stored_with_a_stamp_older_than_an_invalidation_is_never_found(
    backend: Backend,
) -> None:
    cache = backend.cache()
    stale_stamp = (await cache.lookup(FIRST)).stamp
    await cache.invalidate_pages()

    await cache.store(FIRST, page_of(FIRST, "stale"), stamp=stale_stamp, ttl_seconds=300)

    assert (await cache.lookup(FIRST)).page is None


async def test_a_fresh_stamp_after_invalidation_caches_again(backend: Backend) -> None:
    cache = backend.cache()
    await cache.invalidate_pages()
    stamp = (await cache.lookup(FIRST)).stamp

    await cache.store(FIRST, page_of(FIRST, "fresh"), stamp=stamp, ttl_seconds=300)

    assert (await cache.lookup(FIRST)).page == page_of(FIRST, "fresh")


async def test_stamps_change_with_each_invalidation(backend: Backend) -> None:
    cache = backend.cache()
    stamps = set()
    for _ in range(3):
        stamps.add((await cache.lookup(FIRST)).stamp)
        await cache.invalidate_pages()

    assert len(stamps) == 3


async def test_a_page_expires_after_its_ttl(backend: Backend) -> None:
    cache = backend.cache()
    stamp = (await cache.lookup(FIRST)).stamp
    await cache.store(FIRST, page_of(FIRST, "a"), stamp=stamp, ttl_seconds=300)

    await backend.advance(299)
    assert (await cache.lookup(FIRST)).page is not None
    await backend.advance(1)
    assert (await cache.lookup(FIRST)).page is None
