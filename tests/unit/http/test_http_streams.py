"""Event streams own their subscription whatever the client does: 500 streams opened and
dropped at every stage leave no subscriber and no file descriptor behind (real sockets)."""

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
import uvicorn

from adapters.http.server import BoundedHttpToolsProtocol
from composition.root import Assembly
from tests.support.redis_server import free_port
from tests.support.waiting import settled

STREAMS = 500
AT_ONCE = 50


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
async def served(assembly: Assembly) -> AsyncIterator[int]:
    """The assembled app on a real uvicorn server in this process (so the test sees both its
    bus and its file descriptors); yields the port."""
    port = free_port()
    config = uvicorn.Config(
        assembly.app(),
        host="127.0.0.1",
        port=port,
        http=BoundedHttpToolsProtocol,
        lifespan="on",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn sets a flag, not an event
            await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await serving


async def stream(port: int, stage: str) -> None:
    """Open `/events/stream` and drop it: right after the request (`request`), once the
    response headers came (`headers`), or after the first comment (`comment`)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /events/stream?channel=drops HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    if stage in ("headers", "comment"):
        await reader.readuntil(b"\r\n\r\n")
    if stage == "comment":
        await reader.readuntil(b": subscribed to drops\n")
    writer.close()
    await writer.wait_closed()


async def test_dropped_streams_leave_no_subscriber_and_no_descriptor(
    assembly: Assembly, served: int
) -> None:
    bus = assembly.adapters.bus()
    # Warm-up: the Redis bus opens its Pub/Sub connection once, and the client pool grows to
    # the concurrency it sees (each subscription reads the channel's history), then no further.
    await asyncio.gather(*(stream(served, "comment") for _ in range(AT_ONCE)))
    await settled(lambda: bus.subscribers == 0)
    baseline = open_descriptors()

    stages = ["request", "headers", "comment"]
    for batch in range(STREAMS // AT_ONCE):
        await asyncio.gather(*(stream(served, stages[(batch + n) % 3]) for n in range(AT_ONCE)))

    assert await settled(lambda: bus.subscribers == 0)
    assert await settled(lambda: open_descriptors() <= baseline), (open_descriptors(), baseline)
