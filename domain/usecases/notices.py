"""Notice board use-cases: post a notice, list pages through the cache (cache-aside), get one."""

import asyncio
import functools
from collections.abc import Callable

from domain.model.errors import NotFound
from domain.model.events import NoticePosted
from domain.model.notices import (
    CachePolicy,
    CacheStatus,
    Notice,
    NoticeDraft,
    NoticeListing,
    NoticePage,
)
from domain.model.paging import PageRequest
from ports.announcer import Announcer
from ports.cache import Cache, CachedPage
from ports.clock import Clock
from ports.errors import BackendUnavailable
from ports.notice_repository import NoticeRepository
from ports.telemetry import Telemetry


class PostNotice:
    """Store a notice, make every cached page stale, announce `notice.created`.

    Read-your-writes: the cache is invalidated after the notice is durable, so once this
    returns, no page without the notice is served (a page cached by a read that started
    earlier carries an older stamp and is never returned; see `ports.cache`).
    It is also invalidated before the insert: with the cache unreachable the post fails
    (`BackendUnavailable`) before anything is stored, instead of storing a notice that stale
    cached pages would hide once the cache is back. `cache=None` means caching is off.
    """

    def __init__(
        self,
        notices: NoticeRepository,
        cache: Cache | None,
        announcer: Announcer,
        clock: Clock,
    ) -> None:
        self._notices = notices
        self._cache = cache
        self._announcer = announcer
        self._clock = clock

    async def __call__(self, draft: NoticeDraft) -> Notice:
        if self._cache is not None:
            await self._cache.invalidate_pages()
        notice = await self._notices.add(draft, created_at=self._clock.now())
        if self._cache is not None:
            await self._cache.invalidate_pages()
        await self._announcer.announce(NoticePosted(notice))
        return notice


class ListNotices:
    """A page of notices, newest first, served cache-aside, each page read once per fill.

    Lookup in the cache; on a hit, the stored rendering is the answer. On a miss:
    - concurrent misses of one page and generation in this process share one fill (single
      flight): one repository read, however many readers;
    - that fill asks the cache for the page's lease. Without it, another instance is filling:
      wait for its page (`policy.wait_seconds` at most), else read the repository anyway;
    - the fill reads the repository, renders the page once, and stores the rendering for
      `policy.ttl` seconds. The cache refuses a fill an invalidation overtook, so a page read
      before a post is never served after it (read-your-writes).
    With the cache off (`cache=None`) or unreachable, the repository serves the page
    (`BYPASS`): a cache outage costs speed, never availability.
    """

    def __init__(
        self,
        notices: NoticeRepository,
        cache: Cache | None,
        render: Callable[[NoticePage], bytes],
        telemetry: Telemetry,
        *,
        policy: CachePolicy,
        draw: Callable[[], float],
    ) -> None:
        self._notices = notices
        self._cache = cache
        self._render = render
        self._telemetry = telemetry
        self._policy = policy
        self._draw = draw
        self._fills: dict[tuple[PageRequest, str], asyncio.Task[NoticeListing]] = {}

    async def __call__(self, request: PageRequest) -> NoticeListing:
        if self._cache is not None:
            try:
                lookup = await self._cache.lookup(request)
            except BackendUnavailable:
                pass
            else:
                if isinstance(lookup, CachedPage):  # the hot path: nothing else to do
                    self._telemetry.cache_request(
                        CacheStatus.NEAR_HIT if lookup.near else CacheStatus.HIT
                    )
                    return NoticeListing(body=lookup.body, cache=CacheStatus.HIT)
                listing = await self._filled(self._cache, request, lookup.stamp)
                self._telemetry.cache_request(listing.cache)
                return listing
        listing = await self._bypass(request)
        self._telemetry.cache_request(listing.cache)
        return listing

    async def _filled(self, cache: Cache, request: PageRequest, stamp: str) -> NoticeListing:
        key = (request, stamp)
        fill = self._fills.get(key)
        if fill is None:
            fill = self._fills[key] = asyncio.create_task(self._fill(cache, *key))
            fill.add_done_callback(functools.partial(self._forget, key))
        # NOTE: shielded: a reader past its deadline leaves, the fill goes on for the others.
        return await asyncio.shield(fill)

    async def _fill(self, cache: Cache, request: PageRequest, stamp: str) -> NoticeListing:
        try:
            ticket = await cache.begin_fill(
                request, stamp, lease_seconds=self._policy.lease_seconds
            )
            if not ticket.leased:
                page = await cache.wait_for_fill(
                    request, ticket, timeout_seconds=self._policy.wait_seconds
                )
                if page is not None:
                    return NoticeListing(body=page.body, cache=CacheStatus.HIT)
        except BackendUnavailable:
            return await self._bypass(request)
        body = self._render(await self._notices.page(request))
        try:
            await cache.store(request, body, ticket, ttl_seconds=self._policy.ttl(self._draw()))
        except BackendUnavailable:
            return NoticeListing(body=body, cache=CacheStatus.BYPASS)
        return NoticeListing(body=body, cache=CacheStatus.MISS)

    def _forget(self, key: tuple[PageRequest, str], fill: "asyncio.Task[NoticeListing]") -> None:
        if self._fills.get(key) is fill:
            del self._fills[key]
        if not fill.cancelled():
            fill.exception()  # retrieved: every reader got it, or none was left to

    async def _bypass(self, request: PageRequest) -> NoticeListing:
        body = self._render(await self._notices.page(request))
        return NoticeListing(body=body, cache=CacheStatus.BYPASS)


class GetNotice:
    """One notice by id; `NotFound` if there is none."""

    def __init__(self, notices: NoticeRepository) -> None:
        self._notices = notices

    async def __call__(self, notice_id: int) -> Notice:
        notice = await self._notices.get(notice_id)
        if notice is None:
            raise NotFound(f"there is no notice {notice_id}")
        return notice
