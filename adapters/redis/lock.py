"""Redis `Lock`: `SET key token NX PX ttl`, polled with jittered backoff, released by a
compare-and-delete script; waiters of one process queue locally first."""

import asyncio
import logging
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Final

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from ports.errors import LockNotAcquired, PortError
from ports.lock import Lock

log = logging.getLogger(__name__)

FIRST_BACKOFF: Final = 0.002
MAX_BACKOFF: Final = 0.05


@dataclass(slots=True)
class _LocalQueue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class RedisLock(Lock):
    """A lease per name, owned by a random token.

    - Acquire: `SET NX PX` with `GET` (Redis 7): if the key already holds our token, a retried
      SET had succeeded before its reply was lost, and the lock is ours.
    - Wait: full-jitter exponential backoff, bounded by `wait_seconds`, so that waiters of
      different processes do not poll in step.
    - Release: only if the key still holds our token (`lock_release.lua`). After a long pause
      our lease may have expired and been taken: deleting it blindly would free someone
      else's lock.
    - Waiters of one process first queue in a local FIFO lock, so that only the head of the
      queue polls Redis. Without it, a herd of waiters in one process floods the server and
      the connection pool with polls, and the holder's own commands queue behind them.
    """

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client
        self._release = connector.script("lock_release")
        self._queues: dict[str, _LocalQueue] = {}

    @asynccontextmanager
    async def hold(
        self, name: str, *, ttl_seconds: float, wait_seconds: float
    ) -> AsyncIterator[None]:
        key, token = keys.lock(name), secrets.token_hex(16)
        give_up_at = asyncio.get_running_loop().time() + wait_seconds
        async with self._queued(key, wait_seconds):
            await self._acquire(key, token, ttl_seconds, give_up_at)
            try:
                yield
            finally:
                await self._release_quietly(key, token)

    @asynccontextmanager
    async def _queued(self, key: str, wait_seconds: float) -> AsyncIterator[None]:
        queue = self._queues.setdefault(key, _LocalQueue())
        queue.users += 1
        try:
            try:
                async with asyncio.timeout(wait_seconds):
                    await queue.lock.acquire()
            except TimeoutError:
                raise LockNotAcquired(f"lock {key!r} stayed busy for {wait_seconds:g} s") from None
            try:
                yield
            finally:
                queue.lock.release()
        finally:
            queue.users -= 1
            if not queue.users:
                del self._queues[key]

    async def _acquire(self, key: str, token: str, ttl_seconds: float, give_up_at: float) -> None:
        loop = asyncio.get_running_loop()
        backoff = FIRST_BACKOFF
        ttl_ms = max(1, int(ttl_seconds * 1000))
        while True:
            with self._connector.errors():
                holder = await self._redis.set(key, token, nx=True, px=ttl_ms, get=True)
            if holder is None or holder == token.encode():
                return
            remaining = give_up_at - loop.time()
            if remaining <= 0:
                raise LockNotAcquired(f"lock {key!r} is held elsewhere")
            await asyncio.sleep(min(remaining, random.uniform(0, backoff)))  # noqa: S311
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _release_quietly(self, key: str, token: str) -> None:
        # NOTE: the work under the lock is done; failing now would misreport it. If Redis is
        # unreachable the lease simply expires by its TTL.
        try:
            with self._connector.errors():
                released = await self._release(keys=[key], args=[token])
        except PortError as error:
            log.warning("could not release %s (it expires by itself): %s", key, error)
            return
        if not released:
            log.warning("lease on %s expired before release: the critical section overran", key)
