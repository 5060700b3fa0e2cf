"""Redis `Cache`: rendered pages stored with the generation and fill that made them; one key
names the current generation, and replacing it invalidates every page at once."""

import asyncio
import secrets
from typing import Final

from adapters.redis import codecs, keys
from adapters.redis.client import RedisConnector
from adapters.redis.coalescing import ReadCoalescer
from domain.model.paging import PageRequest
from ports.cache import Cache, CachedPage, CacheLookup, CacheMiss, FillTicket

_SEPARATOR: Final = b"|"
_GENERATION: Final = keys.cache_generation()
FIRST_POLL: Final = 0.002
MAX_POLL: Final = 0.05


class RedisCache(Cache):
    """A page is stored as `<stamp>|<fill number>|<rendered page>`.

    - lookup: one MGET of the generation and the page; a hit is the bytes after the header,
      written to the client as they are (nothing decoded, nothing rendered). Concurrent
      lookups of one page share one MGET (`ReadCoalescer`: never one sent before they asked);
    - begin_fill: `cache_begin_fill.lua` (INCR the page's fill counter, SET NX the lease);
    - wait_for_fill: polls the page with backoff, 2 to 50 ms;
    - store: `cache_store.lua`, which checks the generation and the fill number atomically;
    - invalidate: one SET of a new random generation.
    A random generation (not a counter) cannot come back: even if the generation key is lost
    (evicted, flushed), no page of an old generation matches a new one.
    """

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client
        self._begin_fill = connector.script("cache_begin_fill")
        self._store = connector.script("cache_store")
        self._fill_id = secrets.token_hex(8)  # this instance's fills; a counter tells them apart
        self._fill_count = 0
        self._lookups = ReadCoalescer(self._lookup)

    async def lookup(self, request: PageRequest) -> CacheLookup:
        _, found = await self._lookups(keys.cache_page(request))
        return found

    async def stamped_lookup(self, request: PageRequest) -> tuple[str, CacheLookup]:
        """The lookup, with the generation it read (what a near cache keeps a hit under)."""
        return await self._lookups(keys.cache_page(request))

    async def _lookup(self, page_key: str) -> tuple[str, CacheLookup]:
        with self._connector.errors():
            # NOTE: execute_command: `mget()` first copies its arguments through a helper.
            generation, stored = await self._redis.execute_command(  # type: ignore[no-untyped-call]
                "MGET", _GENERATION, page_key
            )
            if generation is None:
                # NOTE: first use, or the key was lost. NX: one new generation for all comers;
                # GET: the one that won, ours or another's, in the same round trip.
                ours = _new_generation()
                generation = await self._redis.set(_GENERATION, ours, nx=True, get=True) or ours
        current = codecs.raw(generation) if generation is not None else b""
        if stored is not None:
            stamp, _, rest = codecs.raw(stored).partition(_SEPARATOR)
            if stamp == current:
                return current.decode(), CachedPage(rest.partition(_SEPARATOR)[2])
        return current.decode(), CacheMiss(current.decode())

    async def begin_fill(
        self, request: PageRequest, stamp: str, *, lease_seconds: float
    ) -> FillTicket:
        self._fill_count += 1
        fill_id = f"{self._fill_id}:{self._fill_count}"
        with self._connector.errors():
            number, leased = await self._begin_fill(
                keys=[
                    keys.cache_fills(request),
                    keys.cache_lease(request, stamp),
                    keys.cache_page(request),
                ],
                args=[fill_id, max(1, int(lease_seconds * 1000)), stamp],
            )
        return FillTicket(stamp, int(number), bool(leased), fill_id)

    async def wait_for_fill(
        self, request: PageRequest, ticket: FillTicket, *, timeout_seconds: float
    ) -> CachedPage | None:
        delay = FIRST_POLL
        try:
            async with asyncio.timeout(timeout_seconds):
                while True:
                    await asyncio.sleep(delay)
                    match await self.lookup(request):
                        case CachedPage() as page:
                            return page
                        case CacheMiss(stamp=stamp) if stamp != ticket.stamp:
                            return None  # invalidated meanwhile: that fill is worthless
                    delay = min(delay * 2, MAX_POLL)
        except TimeoutError:
            return None

    async def store(
        self, request: PageRequest, body: bytes, ticket: FillTicket, *, ttl_seconds: int
    ) -> bool:
        with self._connector.errors():
            stored = await self._store(
                keys=[
                    _GENERATION,
                    keys.cache_page(request),
                    keys.cache_lease(request, ticket.stamp),
                ],
                args=[ticket.stamp, ticket.number, ttl_seconds * 1000, body, ticket.fill_id],
            )
        return bool(stored)

    async def invalidate_pages(self) -> None:
        with self._connector.errors():
            await self._redis.set(_GENERATION, _new_generation())

    async def close(self) -> None:
        """Nothing of its own to release (the connector is closed by its owner)."""


def _new_generation() -> str:
    return secrets.token_hex(8)
