"""In-memory `Lock`: leases with a TTL, handed to waiters first come, first served."""

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from adapters.inmemory.round_trip import round_trip
from ports.clock import Clock
from ports.errors import LockNotAcquired
from ports.lock import Lock


@dataclass(slots=True)
class _Lease:
    holder: object
    expires_at: float


@dataclass(slots=True)
class _Waiter:
    holder: object
    ttl_seconds: float
    granted: asyncio.Future[None]


class InMemoryLock(Lock):
    """A release hands the lease straight to the longest waiter, so waiters are woken one at a
    time (no herd) and none is starved. An expired lease is free for whoever asks next."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._leases: dict[str, _Lease] = {}
        self._waiters: dict[str, deque[_Waiter]] = {}

    @asynccontextmanager
    async def hold(
        self, name: str, *, ttl_seconds: float, wait_seconds: float
    ) -> AsyncIterator[None]:
        holder = object()
        await round_trip()
        if not self._try_take(name, holder, ttl_seconds):
            await self._wait(name, holder, ttl_seconds, wait_seconds)
        try:
            yield
        finally:
            self._release(name, holder)

    def _now(self) -> float:
        return self._clock.timestamp()

    def _try_take(self, name: str, holder: object, ttl_seconds: float) -> bool:
        lease = self._leases.get(name)
        if lease is not None and lease.expires_at > self._now():
            return False
        self._leases[name] = _Lease(holder, self._now() + ttl_seconds)
        return True

    async def _wait(
        self, name: str, holder: object, ttl_seconds: float, wait_seconds: float
    ) -> None:
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(name, deque()).append(_Waiter(holder, ttl_seconds, granted))
        try:
            await asyncio.wait({granted}, timeout=wait_seconds)
        except asyncio.CancelledError:
            if granted.done():  # handed to us just as we were cancelled: pass it on
                self._release(name, holder)
            granted.cancel()
            raise
        if granted.done():
            return
        granted.cancel()  # the next release skips us
        # The holder may have died: its lease expires without any release to hand it on.
        if not self._try_take(name, holder, ttl_seconds):
            raise LockNotAcquired(f"lock {name!r} stayed busy for {wait_seconds:g} s")

    def _release(self, name: str, holder: object) -> None:
        lease = self._leases.get(name)
        if lease is None or lease.holder is not holder:
            return  # our lease expired and someone else holds the lock now: leave it alone
        del self._leases[name]
        waiters = self._waiters.get(name)
        while waiters:
            waiter = waiters.popleft()
            if not waiter.granted.done():
                self._leases[name] = _Lease(waiter.holder, self._now() + waiter.ttl_seconds)
                waiter.granted.set_result(None)
                break
        if not waiters:
            self._waiters.pop(name, None)
