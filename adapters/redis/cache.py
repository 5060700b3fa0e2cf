"""Redis `Cache`: pages stored with the generation they were read under; one key names the
current generation, and replacing it invalidates every page at once."""

import secrets

from adapters.redis import codecs, keys
from adapters.redis.client import RedisConnector
from domain.model.notices import NoticePage
from domain.model.paging import PageRequest
from ports.cache import Cache, CacheLookup

_SEPARATOR = b"|"


class RedisCache(Cache):
    """A page is stored as `<stamp>|<json>` and found only while `<stamp>` is the generation.

    - lookup: one MGET of the generation and the page;
    - store: one SET with a TTL;
    - invalidate: one SET of a new random generation.
    A random generation (not a counter) cannot come back: even if the generation key is lost
    (evicted, flushed), no page of an old generation matches a new one.
    """

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client

    async def lookup(self, request: PageRequest) -> CacheLookup:
        with self._connector.errors():
            generation, stored = await self._redis.mget(
                keys.cache_generation(), keys.cache_page(request)
            )
            if generation is None:
                # NOTE: first use, or the key was lost. NX: one new generation for all comers.
                await self._redis.set(keys.cache_generation(), _new_generation(), nx=True)
                generation = await self._redis.get(keys.cache_generation())
        current = codecs.text(generation) if generation is not None else ""
        if current and stored is not None:
            stamp, _, page = codecs.raw(stored).partition(_SEPARATOR)
            if stamp.decode() == current:
                return CacheLookup(codecs.decode_page(page), current)
        return CacheLookup(None, current)

    async def store(
        self, request: PageRequest, page: NoticePage, *, stamp: str, ttl_seconds: int
    ) -> None:
        if not stamp:
            return
        value = stamp.encode() + _SEPARATOR + codecs.encode_page(page)
        with self._connector.errors():
            await self._redis.set(keys.cache_page(request), value, ex=ttl_seconds)

    async def invalidate_pages(self) -> None:
        with self._connector.errors():
            await self._redis.set(keys.cache_generation(), _new_generation())


def _new_generation() -> str:
    return secrets.token_hex(8)
