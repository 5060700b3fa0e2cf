"""Stampede protection and the stale-fill guard, through the use-case, on every cache adapter
and every notice repository: one repository read per invalidation, however many readers on
however many instances, and never a page older than the last post."""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from adapters.http.messages.notices import render_page
from adapters.inmemory.notice_repository import InMemoryNoticeRepository
from domain.model.notices import CachePolicy, CacheStatus, Notice, NoticeDraft, NoticePage
from domain.model.paging import PageRequest
from domain.usecases.notices import ListNotices, PostNotice
from ports.cache import Cache, CacheMiss
from ports.notice_repository import NoticeRepository
from tests.contract.backends import Backend
from tests.contract.conftest import CACHE_BACKENDS
from tests.contract.repositories import RepositoryBackend
from tests.support.announcer import RecordingAnnouncer
from tests.support.clock import ManualClock
from tests.support.telemetry import CountingTelemetry

pytestmark = pytest.mark.parametrize("backend", CACHE_BACKENDS, indirect=True)

FIRST = PageRequest(limit=20)
AT = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
SLOW_READ = 0.05
"""The repository takes this long per page: a database under load, which is when a
stampede happens."""


class Reads:
    """Page reads counted across the instances of one test."""

    def __init__(self) -> None:
        self.count = 0


class SlowCountingRepository(NoticeRepository):
    """A repository whose page reads are counted and take `SLOW_READ`; `gate`, when given,
    holds each read after it has read until the gate opens."""

    def __init__(
        self, inner: NoticeRepository, reads: Reads, gate: asyncio.Event | None = None
    ) -> None:
        self._inner = inner
        self._reads = reads
        self._gate = gate
        self.read_done = asyncio.Event()

    async def add(self, draft: NoticeDraft, *, created_at: datetime) -> Notice:
        return await self._inner.add(draft, created_at=created_at)

    async def get(self, notice_id: int) -> Notice | None:
        return await self._inner.get(notice_id)

    async def page(self, request: PageRequest) -> NoticePage:
        self._reads.count += 1
        page = await self._inner.page(request)
        await asyncio.sleep(SLOW_READ)
        self.read_done.set()
        if self._gate is not None:
            await self._gate.wait()
        return page


def lister(cache: Cache, notices: NoticeRepository, *, wait_seconds: float = 5.0) -> ListNotices:
    policy = CachePolicy(ttl_seconds=300, lease_seconds=10, wait_seconds=wait_seconds)
    return ListNotices(
        notices, cache, render_page, CountingTelemetry(), policy=policy, draw=lambda: 0.0
    )


def poster(cache: Cache, notices: NoticeRepository) -> PostNotice:
    return PostNotice(notices, cache, RecordingAnnouncer(), ManualClock())


def titles(body: bytes) -> list[str]:
    return [notice["title"] for notice in json.loads(body)["items"]]


@pytest.mark.parametrize("instances", [1, 2], ids=["1x300", "2x150"])
async def test_300_readers_after_a_post_read_the_repository_once(
    backend: Backend, repository: RepositoryBackend, instances: int
) -> None:
    reads = Reads()
    listers = [
        lister(backend.cache(), SlowCountingRepository(repository.notices(), reads))
        for _ in range(instances)
    ]
    await poster(backend.cache(), repository.notices())(NoticeDraft(title="news", body="b"))

    listings = await asyncio.gather(*(listers[n % instances](FIRST) for n in range(300)))

    assert reads.count == 1
    assert {listing.body for listing in listings} == {listings[0].body}
    assert titles(listings[0].body) == ["news"]
    statuses = [listing.cache for listing in listings]
    assert statuses.count(CacheStatus.MISS) + statuses.count(CacheStatus.HIT) == 300


async def test_readers_never_fail_for_a_filler_that_died(
    backend: Backend, repository: RepositoryBackend
) -> None:
    reads = Reads()
    await poster(backend.cache(), repository.notices())(NoticeDraft(title="t", body="b"))
    miss = await backend.cache().lookup(FIRST)
    assert isinstance(miss, CacheMiss)
    await backend.cache().begin_fill(FIRST, miss.stamp, lease_seconds=10)  # then it died
    survivor = lister(
        backend.cache(), SlowCountingRepository(repository.notices(), reads), wait_seconds=0.1
    )

    listings = await asyncio.gather(*(survivor(FIRST) for _ in range(50)))

    assert {titles(listing.body)[0] for listing in listings} == {"t"}
    assert reads.count == 1, "after the wait, one read for all of this instance's readers"


async def test_a_page_read_before_a_post_is_never_served_after_it(
    backend: Backend, repository: RepositoryBackend
) -> None:
    gate = asyncio.Event()
    slow = SlowCountingRepository(repository.notices(), Reads(), gate)
    await poster(backend.cache(), repository.notices())(NoticeDraft(title="old", body="b"))
    reading = asyncio.create_task(lister(backend.cache(), slow)(FIRST))
    await slow.read_done.wait()  # the fill holds a page without the next notice

    await poster(backend.cache(), repository.notices())(NoticeDraft(title="new", body="b"))
    gate.set()
    stale = await reading  # and now offers that page to the cache

    assert titles(stale.body) == ["old"]
    fresh = await lister(backend.cache(), repository.notices())(FIRST)
    assert titles(fresh.body) == ["new", "old"], "read-your-writes broken by a stale fill"


class NumberedReads(InMemoryNoticeRepository):
    """Each page read tells its number in `total`, so that two fills' pages differ."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def page(self, request: PageRequest) -> NoticePage:
        self.reads += 1
        return NoticePage(request=request, items=(), total=self.reads)


async def test_a_slow_fill_cannot_overwrite_a_newer_fill_of_the_same_generation(
    backend: Backend,
) -> None:
    gate = asyncio.Event()
    numbered = NumberedReads()
    slow = SlowCountingRepository(numbered, Reads(), gate)
    first_instance = asyncio.create_task(lister(backend.cache(), slow)(FIRST))
    await slow.read_done.wait()  # read 1, holding the lease, paused before storing

    second = await lister(backend.cache(), numbered, wait_seconds=0.05)(FIRST)  # read 2, stored
    gate.set()
    first = await first_instance

    total: Callable[[bytes], int] = lambda body: json.loads(body)["total"]  # noqa: E731
    assert (total(first.body), total(second.body)) == (1, 2)
    cached = await lister(backend.cache(), numbered)(FIRST)
    assert (cached.cache, total(cached.body)) == (CacheStatus.HIT, 2)
