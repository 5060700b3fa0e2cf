"""In-memory `Cache`: rendered pages keyed by request, valid for the generation they were stored
under; fill leases and waiters within this process."""

import asyncio
import itertools
from dataclasses import dataclass

from adapters.inmemory.expiring import ExpiringMap
from adapters.inmemory.round_trip import round_trip
from domain.model.paging import PageRequest
from ports.cache import Cache, CachedPage, CacheLookup, CacheMiss, FillTicket
from ports.clock import Clock

_Key = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Entry:
    stamp: str
    number: int
    body: bytes


class InMemoryCache(Cache):
    """Each entry remembers the generation and the fill number it was stored with;
    invalidation starts a new generation. Waiters wait on an event per page."""

    def __init__(self, clock: Clock) -> None:
        self._generations = itertools.count(1)
        self._generation = str(next(self._generations))
        self._fills = itertools.count(1)
        self._pages: ExpiringMap[_Key, _Entry] = ExpiringMap(clock)
        self._leases: ExpiringMap[tuple[_Key, str], int] = ExpiringMap(clock)
        self._stored: dict[_Key, asyncio.Event] = {}

    async def lookup(self, request: PageRequest) -> CacheLookup:
        await round_trip()
        entry = self._pages.get((request.limit, request.offset))
        if entry is not None and entry.stamp == self._generation:
            return CachedPage(entry.body)
        return CacheMiss(self._generation)

    async def begin_fill(
        self, request: PageRequest, stamp: str, *, lease_seconds: float
    ) -> FillTicket:
        await round_trip()
        number = next(self._fills)
        key = (request.limit, request.offset)
        lease = (key, stamp)
        entry = self._pages.get(key)
        filled = entry is not None and entry.stamp == stamp
        leased = not filled and self._leases.get(lease) is None
        if leased:
            self._leases.put(lease, number, ttl_seconds=lease_seconds)
        return FillTicket(stamp, number, leased)

    async def wait_for_fill(
        self, request: PageRequest, ticket: FillTicket, *, timeout_seconds: float
    ) -> CachedPage | None:
        key = (request.limit, request.offset)
        try:
            async with asyncio.timeout(timeout_seconds):
                while ticket.stamp == self._generation:
                    entry = self._pages.get(key)
                    if entry is not None and entry.stamp == ticket.stamp:
                        return CachedPage(entry.body)
                    await self._stored.setdefault(key, asyncio.Event()).wait()
        except TimeoutError:
            pass
        return None

    async def store(
        self, request: PageRequest, body: bytes, ticket: FillTicket, *, ttl_seconds: int
    ) -> bool:
        await round_trip()
        key = (request.limit, request.offset)
        lease = (key, ticket.stamp)
        if self._leases.get(lease) == ticket.number:
            self._leases.pop(lease)
        if ticket.stamp != self._generation:
            return False  # read before an invalidation: never to be served
        entry = self._pages.get(key)
        if entry is not None and entry.stamp == ticket.stamp and entry.number >= ticket.number:
            return False  # a later fill stored this page already
        self._pages.put(key, _Entry(ticket.stamp, ticket.number, body), ttl_seconds=ttl_seconds)
        self._wake(key)
        return True

    async def invalidate_pages(self) -> None:
        await round_trip()
        self._generation = str(next(self._generations))
        self._pages.clear()
        for key in list(self._stored):
            self._wake(key)

    def _wake(self, key: _Key) -> None:
        event = self._stored.pop(key, None)
        if event is not None:
            event.set()
