"""Notice board use-cases: post a notice, list pages through the cache (cache-aside), get one."""

from domain.model.errors import NotFound
from domain.model.events import NoticePosted
from domain.model.notices import CacheStatus, Notice, NoticeDraft, NoticeListing
from domain.model.paging import PageRequest
from ports.announcer import Announcer
from ports.cache import Cache
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
    """A page of notices, newest first, served cache-aside.

    Lookup in the cache; on a hit, done. On a miss, read the repository and store the page
    under the stamp the lookup returned, for `ttl_seconds`. With the cache off (`cache=None`)
    or unreachable, the repository serves the page (`BYPASS`): a cache outage costs speed,
    never availability.
    """

    def __init__(
        self,
        notices: NoticeRepository,
        cache: Cache | None,
        telemetry: Telemetry,
        *,
        ttl_seconds: int,
    ) -> None:
        self._notices = notices
        self._cache = cache
        self._telemetry = telemetry
        self._ttl_seconds = ttl_seconds

    async def __call__(self, request: PageRequest) -> NoticeListing:
        listing = await self._serve(request)
        self._telemetry.cache_request(listing.cache)
        return listing

    async def _serve(self, request: PageRequest) -> NoticeListing:
        if self._cache is None:
            return await self._from_repository(request)
        try:
            lookup = await self._cache.lookup(request)
        except BackendUnavailable:
            return await self._from_repository(request)
        if lookup.page is not None:
            return NoticeListing(page=lookup.page, cache=CacheStatus.HIT)
        page = await self._notices.page(request)
        try:
            await self._cache.store(
                request, page, stamp=lookup.stamp, ttl_seconds=self._ttl_seconds
            )
        except BackendUnavailable:
            return NoticeListing(page=page, cache=CacheStatus.BYPASS)
        return NoticeListing(page=page, cache=CacheStatus.MISS)

    async def _from_repository(self, request: PageRequest) -> NoticeListing:
        return NoticeListing(page=await self._notices.page(request), cache=CacheStatus.BYPASS)


class GetNotice:
    """One notice by id; `NotFound` if there is none."""

    def __init__(self, notices: NoticeRepository) -> None:
        self._notices = notices

    async def __call__(self, notice_id: int) -> Notice:
        notice = await self._notices.get(notice_id)
        if notice is None:
            raise NotFound(f"there is no notice {notice_id}")
        return notice
