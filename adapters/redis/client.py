"""One Redis client per process: pool, timeouts and retries sized to the request deadline, Lua
scripts, and the translation of `redis.exceptions` into `ports.errors`."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from types import TracebackType
from typing import Final

from redis import exceptions
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.commands.core import AsyncScript

from ports.errors import BackendTimeout, BackendUnavailable

log = logging.getLogger(__name__)

MAX_CONNECTIONS: Final = 64
"""Commands take microseconds: 64 connections serve thousands of concurrent requests, the
others wait for one (a plain pool would raise `MaxConnectionsError` instead)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """Client timeouts sized to the request deadline (which the HTTP edge enforces anyway).

    - A command that keeps failing gives up in time to leave the request its other paths
      (a cache miss falls back to the repository): attempts x timeout + backoffs < deadline.
    - Waiting for a pooled connection is queueing, not failure: under a burst the pool is
      where requests wait their turn, so the wait may take most of the deadline. (With a
      tenth of it, 1,000 concurrent requests on one worker got 78% 503s.)
    """

    pool_timeout: float
    connect_timeout: float
    socket_timeout: float
    retries: int
    backoff_base: float
    backoff_cap: float

    @classmethod
    def within(cls, deadline_seconds: float) -> "Timing":
        # With a 2 s deadline: a dead server costs 3 x 0.4 + 2 x 0.1 = 1.4 s at worst.
        return cls(
            pool_timeout=deadline_seconds * 0.75,
            connect_timeout=deadline_seconds / 5,
            socket_timeout=deadline_seconds / 5,
            retries=2,
            backoff_base=0.01,
            backoff_cap=deadline_seconds / 20,
        )


def connect(url: str, *, deadline_seconds: float, max_connections: int = MAX_CONNECTIONS) -> Redis:
    """A client for `url` on a bounded, blocking pool. No I/O until the first command."""
    timing = Timing.within(deadline_seconds)
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timing.pool_timeout,
        socket_connect_timeout=timing.connect_timeout,
        socket_timeout=timing.socket_timeout,
        socket_keepalive=True,
        retry=Retry(
            ExponentialWithJitterBackoff(base=timing.backoff_base, cap=timing.backoff_cap),
            timing.retries,
        ),
        protocol=3,
    )
    return Redis.from_pool(pool)  # the client owns the pool: aclose() also disconnects it


class RedisConnector:
    """What every Redis adapter of one process shares: the client, the scripts, and one place
    where client errors become port errors (counted by kind through `on_error`)."""

    def __init__(self, client: Redis, *, on_error: Callable[[str], None] | None = None) -> None:
        self.client = client
        self._on_error = on_error
        self._scripts: dict[str, AsyncScript] = {}
        self._errors = _Translation(self._report)

    def script(self, name: str) -> AsyncScript:
        """The Lua script `lua/<name>.lua`, registered once. Calls use EVALSHA and reload the
        script on NOSCRIPT (an empty script cache after a restart or a failover)."""
        script = self._scripts.get(name)
        if script is None:
            source = resources.files(__package__).joinpath("lua", f"{name}.lua").read_text()
            script = self._scripts[name] = self.client.register_script(source)
        return script

    def errors(self) -> "_Translation":
        """A context translating `redis.exceptions` into `BackendTimeout` /
        `BackendUnavailable` (reusable, and cheaper than a generator-based one: every Redis
        call of a cache hit goes through it)."""
        return self._errors

    def _report(self, kind: str, error: Exception) -> None:
        if self._on_error is not None:
            self._on_error(kind)
        log.debug("redis %s error: %s", kind, error)

    async def close(self) -> None:
        await self.client.aclose()


class _Translation:
    """The `with` block of `RedisConnector.errors`."""

    __slots__ = ("_report",)

    def __init__(self, report: Callable[[str, Exception], None]) -> None:
        self._report = report

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is None or not isinstance(error, exceptions.RedisError):
            return
        match error:
            case exceptions.TimeoutError():
                self._report("timeout", error)
                raise BackendTimeout(f"redis did not answer in time: {error}") from error
            case exceptions.ConnectionError():
                self._report("connection", error)
                raise BackendUnavailable(f"redis is unreachable: {error}") from error
            case exceptions.ReadOnlyError():
                self._report("read_only", error)
                raise BackendUnavailable(f"redis refused a write: {error}") from error
        self._report("response", error)
        raise BackendUnavailable(f"redis failed the command: {error}") from error
