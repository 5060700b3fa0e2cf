"""`Cache` contract: rendered pages, generations, fill numbers and leases, TTL."""

import asyncio

import pytest

from domain.model.paging import PageRequest
from ports.cache import Cache, CachedPage, CacheMiss, FillTicket
from tests.contract.backends import Backend
from tests.contract.conftest import CACHE_BACKENDS

pytestmark = pytest.mark.parametrize("backend", CACHE_BACKENDS, indirect=True)

FIRST = PageRequest(limit=20, offset=0)
SECOND = PageRequest(limit=20, offset=20)
LEASE = 10.0


async def ticket(cache: Cache, request: PageRequest = FIRST) -> FillTicket:
    miss = await cache.lookup(request)
    assert isinstance(miss, CacheMiss)
    return await cache.begin_fill(request, miss.stamp, lease_seconds=LEASE)


async def test_a_stored_page_is_found_as_it_was_stored(backend: Backend) -> None:
    cache = backend.cache()
    body = b'{"items":[],"total":0,"with|pipes|inside":true}'

    stored = await cache.store(FIRST, body, await ticket(cache), ttl_seconds=300)

    assert stored is True
    assert await backend.cache().lookup(FIRST) == CachedPage(body), "another instance finds it"
    assert isinstance(await cache.lookup(SECOND), CacheMiss), "pages are cached separately"


async def test_invalidation_drops_every_page_for_every_instance(backend: Backend) -> None:
    cache, other_instance = backend.cache(), backend.cache()
    for request in (FIRST, SECOND):
        await cache.store(request, b"page", await ticket(cache, request), ttl_seconds=300)

    await other_instance.invalidate_pages()

    assert isinstance(await cache.lookup(FIRST), CacheMiss)
    assert isinstance(await cache.lookup(SECOND), CacheMiss)


async def test_lookups_after_an_invalidation_miss_while_older_lookups_are_out(
    backend: Backend,
) -> None:
    cache = backend.cache()
    await cache.store(FIRST, b"old page", await ticket(cache), ttl_seconds=300)
    before = [asyncio.create_task(cache.lookup(FIRST)) for _ in range(50)]
    await asyncio.sleep(0)  # NOTE: one turn of the loop: the lookups are out (or queued)

    await backend.cache().invalidate_pages()  # another instance, acknowledged
    after = await asyncio.gather(*(cache.lookup(FIRST) for _ in range(50)))

    assert all(isinstance(lookup, CacheMiss) for lookup in after), "read-your-writes"
    assert set(after) == {await cache.lookup(FIRST)}, "one stamp: the new"
    await asyncio.gather(*before)  # old page or miss: they may have been served either side


async def test_a_fill_begun_before_an_invalidation_is_never_stored(backend: Backend) -> None:
    cache = backend.cache()
    stale = await ticket(cache)
    await backend.cache().invalidate_pages()

    stored = await cache.store(FIRST, b"stale", stale, ttl_seconds=300)

    assert stored is False
    assert isinstance(await cache.lookup(FIRST), CacheMiss)


async def test_a_slower_older_fill_cannot_overwrite_a_newer_page(backend: Backend) -> None:
    cache = backend.cache()
    older, newer = await ticket(cache), await ticket(backend.cache())

    assert await cache.store(FIRST, b"newer", newer, ttl_seconds=300) is True
    assert await cache.store(FIRST, b"older", older, ttl_seconds=300) is False
    assert await cache.lookup(FIRST) == CachedPage(b"newer")


async def test_a_retried_store_is_refused_and_changes_nothing(backend: Backend) -> None:
    cache = backend.cache()
    fill = await ticket(cache)
    await cache.store(FIRST, b"page", fill, ttl_seconds=300)

    assert await cache.store(FIRST, b"page", fill, ttl_seconds=300) is False
    assert await cache.lookup(FIRST) == CachedPage(b"page")


async def test_stamps_change_with_each_invalidation(backend: Backend) -> None:
    cache = backend.cache()
    stamps = set()
    for _ in range(3):
        miss = await cache.lookup(FIRST)
        assert isinstance(miss, CacheMiss)
        stamps.add(miss.stamp)
        await cache.invalidate_pages()

    assert len(stamps) == 3


async def test_a_page_expires_after_its_ttl(backend: Backend) -> None:
    cache = backend.cache()
    await cache.store(FIRST, b"page", await ticket(cache), ttl_seconds=300)

    await backend.advance(299)
    assert isinstance(await cache.lookup(FIRST), CachedPage)
    await backend.advance(1)
    assert isinstance(await cache.lookup(FIRST), CacheMiss)


async def test_one_of_many_concurrent_fills_gets_the_lease(backend: Backend) -> None:
    miss = await backend.cache().lookup(FIRST)
    assert isinstance(miss, CacheMiss)

    tickets = await asyncio.gather(
        *(backend.cache().begin_fill(FIRST, miss.stamp, lease_seconds=LEASE) for _ in range(100))
    )

    assert sum(fill.leased for fill in tickets) == 1
    assert len({fill.number for fill in tickets}) == 100, "every fill is numbered apart"


async def test_storing_releases_the_lease_and_a_new_generation_has_its_own(
    backend: Backend,
) -> None:
    cache = backend.cache()
    leader = await ticket(cache)
    follower = await ticket(backend.cache())
    await backend.cache().invalidate_pages()
    after_invalidation = await ticket(backend.cache())

    assert (leader.leased, follower.leased, after_invalidation.leased) == (True, False, True)


async def test_no_lease_is_granted_once_the_page_of_that_generation_is_stored(
    backend: Backend,
) -> None:
    miss = await backend.cache().lookup(FIRST)  # a reader misses just before the store
    assert isinstance(miss, CacheMiss)
    leader = await ticket(backend.cache())
    await backend.cache().store(FIRST, b"filled", leader, ttl_seconds=300)

    late = await backend.cache().begin_fill(FIRST, miss.stamp, lease_seconds=LEASE)
    found = await backend.cache().wait_for_fill(FIRST, late, timeout_seconds=5)

    assert late.leased is False, "the page is there: filling it again would read it again"
    assert found == CachedPage(b"filled")


async def test_a_lease_whose_filler_died_expires_by_itself(backend: Backend) -> None:
    miss = await backend.cache().lookup(FIRST)
    assert isinstance(miss, CacheMiss)
    await backend.cache().begin_fill(FIRST, miss.stamp, lease_seconds=2)  # then nothing

    blocked = await backend.cache().begin_fill(FIRST, miss.stamp, lease_seconds=2)
    await backend.advance(2)
    taken_over = await backend.cache().begin_fill(FIRST, miss.stamp, lease_seconds=2)

    assert (blocked.leased, taken_over.leased) == (False, True)


async def test_a_waiter_gets_the_page_another_instance_fills(backend: Backend) -> None:
    leader = await ticket(backend.cache())
    follower = await ticket(backend.cache())
    waiting = asyncio.create_task(backend.cache().wait_for_fill(FIRST, follower, timeout_seconds=5))

    await backend.cache().store(FIRST, b"filled", leader, ttl_seconds=300)

    assert await waiting == CachedPage(b"filled")


async def test_a_waiter_gives_up_after_its_timeout(backend: Backend) -> None:
    await ticket(backend.cache())
    follower = await ticket(backend.cache())

    async with asyncio.timeout(5):
        found = await backend.cache().wait_for_fill(FIRST, follower, timeout_seconds=0.05)

    assert found is None


async def test_a_waiter_stops_waiting_when_the_generation_changes(backend: Backend) -> None:
    await ticket(backend.cache())
    follower = await ticket(backend.cache())
    waiting = asyncio.create_task(
        backend.cache().wait_for_fill(FIRST, follower, timeout_seconds=30)
    )
    await asyncio.sleep(0)

    await backend.cache().invalidate_pages()

    async with asyncio.timeout(5):
        assert await waiting is None
