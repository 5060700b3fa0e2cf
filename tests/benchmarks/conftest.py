"""A uvloop runner and a Redis client on the session's real server, for benchmarks."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
import uvloop
from redis.asyncio import Redis

from adapters.redis.client import RedisConnector, connect
from tests.support.redis_server import RedisServer

BATCH = 200
"""Calls awaited one after another per benchmark round: the per-round overhead of entering
the event loop is then spread over many calls, as it is in a running service."""

Call = Callable[[], Awaitable[object]]
T = TypeVar("T")


class Loop:
    """Runs coroutines on one uvloop event loop (the loop the service runs on)."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        return self.runner.run(wrapped())

    def batch(self, call: Call, times: int = BATCH) -> Callable[[], None]:
        """A function that awaits `call()` `times` times in a row, for `benchmark`."""

        async def calls() -> None:
            for _ in range(times):
                await call()

        def run() -> None:
            self.runner.run(calls())

        return run


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    runner = Loop()
    try:
        yield runner
    finally:
        runner.runner.close()


@pytest.fixture(scope="module")
def redis(loop: Loop, redis_server: RedisServer) -> Iterator[Redis]:
    client = connect(redis_server.url, deadline_seconds=2.0)
    loop.run(client.flushall())
    try:
        yield client
    finally:
        loop.run(client.aclose())


@pytest.fixture(scope="module")
def connector(redis: Redis) -> RedisConnector:
    return RedisConnector(redis)
