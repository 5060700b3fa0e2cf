"""Level 1, cache-aside: the seed's cache tests, read-your-writes, and a cache that fails."""

import asyncio
import itertools
import json
from dataclasses import replace
from datetime import datetime

import pytest
from dependency_injector import providers

from adapters.http.app import UseCases
from adapters.inmemory.cache import InMemoryCache
from adapters.inmemory.notice_repository import InMemoryNoticeRepository
from composition.root import Assembly, assemble
from composition.settings import Settings
from domain.model.events import ChannelEvent
from domain.model.notices import CacheStatus, Notice, NoticeDraft, NoticeListing, NoticePage
from domain.model.paging import PageRequest
from ports.cache import Cache, CachedPage, CacheLookup, FillTicket
from ports.errors import BackendUnavailable
from tests.support.clock import ManualClock
from tests.support.telemetry import CountingTelemetry

FIRST_PAGE = PageRequest(limit=20, offset=0)


def page_reads(assembly: Assembly) -> float:
    value = assembly.container.metrics().registry.get_sample_value(
        "db_queries_total", {"operation": "page"}
    )
    return value or 0.0


def titles(listing: NoticeListing) -> list[str]:
    return [notice["title"] for notice in json.loads(listing.body)["items"]]


async def test_should_return_cached_data_on_second_request(
    usecases: UseCases, assembly: Assembly
) -> None:
    await usecases.post_notice(NoticeDraft(title="Welcome", body="First notice"))

    first = await usecases.list_notices(FIRST_PAGE)
    second = await usecases.list_notices(FIRST_PAGE)

    assert (first.cache, second.cache) == (CacheStatus.MISS, CacheStatus.HIT)
    assert second.body == first.body
    assert page_reads(assembly) == 1, "the second request must not reach the repository"


async def test_should_invalidate_cache_after_post_notices(usecases: UseCases) -> None:
    await usecases.post_notice(NoticeDraft(title="One", body="1"))
    await usecases.list_notices(FIRST_PAGE)
    await usecases.list_notices(PageRequest(limit=1, offset=0))

    await usecases.post_notice(NoticeDraft(title="Two", body="2"))

    after = await usecases.list_notices(FIRST_PAGE)
    other_page = await usecases.list_notices(PageRequest(limit=1, offset=0))
    assert after.cache is CacheStatus.MISS
    assert other_page.cache is CacheStatus.MISS, "one post invalidates every cached page"
    assert titles(after) == ["Two", "One"]


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    # The life of a page is 300 s less a jitter of up to 10%: whatever the draw, a page read
    # once is still there 270 s later and gone after 300 s.
    [(270.999, CacheStatus.HIT), (300.0, CacheStatus.MISS)],
)
async def test_should_expire_cache_after_5_minutes(
    usecases: UseCases, clock: ManualClock, elapsed: float, expected: CacheStatus
) -> None:
    await usecases.post_notice(NoticeDraft(title="t", body="b"))
    await usecases.list_notices(FIRST_PAGE)

    clock.advance(elapsed)

    assert (await usecases.list_notices(FIRST_PAGE)).cache is expected


async def test_pages_are_newest_first_with_total(usecases: UseCases) -> None:
    for n in range(5):
        await usecases.post_notice(NoticeDraft(title=f"n{n}", body="b"))

    listing = await usecases.list_notices(PageRequest(limit=2, offset=1))

    assert titles(listing) == ["n3", "n2"]
    assert json.loads(listing.body)["total"] == 5


class GatedRepository(InMemoryNoticeRepository):
    """Reads a page, then waits at a gate before returning it: a slow reader."""

    def __init__(self) -> None:
        super().__init__()
        self.read_done = asyncio.Event()
        self.gate = asyncio.Event()

    async def page(self, request: PageRequest) -> NoticePage:
        page = await super().page(request)
        if not self.gate.is_set():
            self.read_done.set()
            await self.gate.wait()
        return page


async def test_a_slow_reader_cannot_put_back_a_page_a_post_invalidated(
    assembly: Assembly, telemetry: CountingTelemetry
) -> None:
    repository = GatedRepository()
    assembly.adapters.notices.override(providers.Object(repository))
    usecases: UseCases = assembly.container.usecases()
    await usecases.post_notice(NoticeDraft(title="old", body="b"))

    slow_read = asyncio.create_task(usecases.list_notices(FIRST_PAGE))
    await repository.read_done.wait()  # it holds a page without the new notice
    await usecases.post_notice(NoticeDraft(title="new", body="b"))
    repository.gate.set()
    stale = await slow_read  # and now offers that page to the cache

    assert titles(stale) == ["old"]
    fresh = await usecases.list_notices(FIRST_PAGE)
    assert titles(fresh) == ["new", "old"], "read-your-writes broken by a stale store"


class UnreachableCache(Cache):
    async def lookup(self, request: PageRequest) -> CacheLookup:
        raise BackendUnavailable("cache down")

    async def begin_fill(
        self, request: PageRequest, stamp: str, *, lease_seconds: float
    ) -> FillTicket:
        raise BackendUnavailable("cache down")

    async def wait_for_fill(
        self, request: PageRequest, ticket: FillTicket, *, timeout_seconds: float
    ) -> CachedPage | None:
        raise BackendUnavailable("cache down")

    async def store(
        self, request: PageRequest, body: bytes, ticket: FillTicket, *, ttl_seconds: int
    ) -> bool:
        raise BackendUnavailable("cache down")

    async def invalidate_pages(self) -> None:
        raise BackendUnavailable("cache down")


class NearCacheHit(UnreachableCache):
    """A cache whose every lookup a near cache served (no round trip)."""

    async def lookup(self, request: PageRequest) -> CacheLookup:
        return CachedPage(b'{"items":[],"total":0}', near=True)


async def test_a_near_hit_is_a_hit_to_clients_and_counted_apart(
    assembly: Assembly, telemetry: CountingTelemetry
) -> None:
    assembly.adapters.cache.override(providers.Object(NearCacheHit()))
    usecases: UseCases = assembly.container.usecases()

    listing = await usecases.list_notices(FIRST_PAGE)

    assert listing.cache is CacheStatus.HIT, "the X-Cache header says HIT"
    assert telemetry.counts["cache", "NEAR_HIT"] == 1
    assert ("cache", "HIT") not in telemetry.counts


async def test_an_unreachable_cache_is_bypassed_for_reads(
    assembly: Assembly, telemetry: CountingTelemetry
) -> None:
    repository = InMemoryNoticeRepository()
    await repository.add(NoticeDraft(title="kept", body="b"), created_at=datetime.now())
    assembly.adapters.notices.override(providers.Object(repository))
    assembly.adapters.cache.override(providers.Object(UnreachableCache()))
    usecases: UseCases = assembly.container.usecases()

    listing = await usecases.list_notices(FIRST_PAGE)

    assert listing.cache is CacheStatus.BYPASS
    assert titles(listing) == ["kept"]
    assert telemetry.counts["cache", "BYPASS"] == 1


async def test_a_post_fails_before_storing_anything_when_the_cache_is_unreachable(
    assembly: Assembly, telemetry: CountingTelemetry
) -> None:
    repository = InMemoryNoticeRepository()
    assembly.adapters.notices.override(providers.Object(repository))
    assembly.adapters.cache.override(providers.Object(UnreachableCache()))
    usecases: UseCases = assembly.container.usecases()

    with pytest.raises(BackendUnavailable):
        await usecases.post_notice(NoticeDraft(title="t", body="b"))

    assert (await repository.page(FIRST_PAGE)).total == 0


async def test_a_disabled_cache_serves_every_page_from_the_repository(
    settings: Settings, clock: ManualClock
) -> None:
    usecases: UseCases = assemble(
        replace(settings, cache_enabled=False), clock=clock
    ).container.usecases()
    await usecases.post_notice(NoticeDraft(title="t", body="b"))

    statuses = [(await usecases.list_notices(FIRST_PAGE)).cache for _ in range(2)]

    assert statuses == [CacheStatus.BYPASS, CacheStatus.BYPASS]


async def test_posting_announces_notice_created(usecases: UseCases) -> None:
    async with usecases.follow_channel("notices") as subscription:
        notice = await usecases.post_notice(NoticeDraft(title="t", body="b"))
        message = await subscription.receive(timeout_seconds=1)

    assert isinstance(message, ChannelEvent)
    assert (message.message.type, message.message.payload["id"]) == ("notice.created", notice.id)


async def test_get_notice_by_id(usecases: UseCases) -> None:
    posted: Notice = await usecases.post_notice(NoticeDraft(title="t", body="b"))

    assert await usecases.get_notice(posted.id) == posted


async def test_pages_filled_together_expire_at_different_times(
    assembly: Assembly, clock: ManualClock
) -> None:
    draws = itertools.chain([0.0, 0.5, 0.99], itertools.repeat(0.0))
    assembly.container.draw.override(providers.Object(lambda: next(draws)))
    usecases: UseCases = assembly.container.usecases()
    await usecases.post_notice(NoticeDraft(title="t", body="b"))
    pages = [PageRequest(limit=limit) for limit in (1, 2, 3)]
    for page in pages:
        await usecases.list_notices(page)  # TTLs 300, 285 and 271 s (0, 5 and 9.9% off 300)

    clock.advance(284)
    at_284 = [(await usecases.list_notices(page)).cache for page in pages[:3]]
    clock.advance(15)
    at_299 = [(await usecases.list_notices(page)).cache for page in pages[:2]]

    assert at_284 == [CacheStatus.HIT, CacheStatus.HIT, CacheStatus.MISS]
    assert at_299 == [CacheStatus.HIT, CacheStatus.MISS]


class FillCountingCache(InMemoryCache):
    """Counts the fills begun: the cache's side of the stampede."""

    fills = 0

    async def begin_fill(
        self, request: PageRequest, stamp: str, *, lease_seconds: float
    ) -> FillTicket:
        self.fills += 1
        return await super().begin_fill(request, stamp, lease_seconds=lease_seconds)


async def test_concurrent_misses_in_one_process_share_one_fill(
    assembly: Assembly, clock: ManualClock
) -> None:
    cache = FillCountingCache(clock)
    assembly.adapters.cache.override(providers.Object(cache))
    usecases: UseCases = assembly.container.usecases()
    await usecases.post_notice(NoticeDraft(title="t", body="b"))

    listings = await asyncio.gather(*(usecases.list_notices(FIRST_PAGE) for _ in range(300)))

    assert cache.fills == 1, "one fill for all, not one lease request per reader"
    assert page_reads(assembly) == 1
    assert {listing.cache for listing in listings} == {CacheStatus.MISS}
