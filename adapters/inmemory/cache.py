"""In-memory `Cache`: pages keyed by request, valid for the generation they were stored under."""

import itertools

from adapters.inmemory.expiring import ExpiringMap
from adapters.inmemory.round_trip import round_trip
from domain.model.notices import NoticePage
from domain.model.paging import PageRequest
from ports.cache import Cache, CacheLookup
from ports.clock import Clock


class InMemoryCache(Cache):
    """Each entry remembers the generation it was stored under; invalidation starts a new one."""

    def __init__(self, clock: Clock) -> None:
        self._generations = itertools.count(1)
        self._generation = str(next(self._generations))
        self._pages: ExpiringMap[tuple[int, int], tuple[str, NoticePage]] = ExpiringMap(clock)

    async def lookup(self, request: PageRequest) -> CacheLookup:
        await round_trip()
        entry = self._pages.get((request.limit, request.offset))
        if entry is not None and entry[0] == self._generation:
            return CacheLookup(entry[1], self._generation)
        return CacheLookup(None, self._generation)

    async def store(
        self, request: PageRequest, page: NoticePage, *, stamp: str, ttl_seconds: int
    ) -> None:
        await round_trip()
        if stamp == self._generation:  # a page read before an invalidation is not worth keeping
            self._pages.put((request.limit, request.offset), (stamp, page), ttl_seconds=ttl_seconds)

    async def invalidate_pages(self) -> None:
        await round_trip()
        self._generation = str(next(self._generations))
        self._pages.clear()
