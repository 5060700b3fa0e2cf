"""Concurrent reads of one key share one round trip, and no caller gets a read older than its
call: read-your-writes holds."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ReadCoalescer(Generic[K, V]):
    """`read(key)` once for every caller asking for `key` while the previous read is out.

    At most one read of a key is in flight. A caller that finds none goes at once. A caller
    that finds one in flight does not share it: it was sent before the caller asked, so it may
    predate a write the caller has already seen acknowledged. The caller boards the next read
    instead, which leaves as soon as the one in flight is back, carrying every caller that
    came meanwhile. So each answer comes from a read that started after its caller asked, and
    under load one round trip serves all the requests that arrived during the previous one.

    A caller that gives up (cancelled) leaves the others their read: the shared read runs in
    a task of its own, which each caller awaits through `asyncio.shield` (that also marks a
    failure seen when every caller left). A failure reaches the callers of that read only.
    """

    def __init__(self, read: Callable[[K], Awaitable[V]]) -> None:
        self._read = read
        self._flying: dict[K, asyncio.Future[None]] = {}
        self._boarding: dict[K, asyncio.Task[V]] = {}

    async def __call__(self, key: K) -> V:
        boarding = self._boarding.get(key)
        if boarding is None:
            flying = self._flying.get(key)
            if flying is None:
                return await self._fly(key)  # the quiet path: no task, no sharing
            boarding = self._boarding[key] = asyncio.create_task(self._after(flying, key))
        return await asyncio.shield(boarding)

    async def _after(self, flying: "asyncio.Future[None]", key: K) -> V:
        try:
            await flying
        finally:
            del self._boarding[key]  # closes as the read leaves: later callers take the next
        return await self._fly(key)

    async def _fly(self, key: K) -> V:
        landed = asyncio.get_running_loop().create_future()
        self._flying[key] = landed
        try:
            return await self._read(key)
        finally:
            del self._flying[key]
            landed.set_result(None)
