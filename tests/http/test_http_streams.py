"""Event streams own their subscription whatever the client does: 500 streams opened and
dropped at every stage leave no subscriber and no file descriptor behind (real sockets)."""

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.http.server import ConnectionLimits, guarded_protocol
from adapters.redis import keys
from composition.root import Assembly
from composition.settings import Profile, Settings
from tests.http.conftest import Rebuild, redis_url
from tests.support.served import serving
from tests.support.waiting import settled

STREAMS = 500
AT_ONCE = 50


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
async def served(assembly: Assembly) -> AsyncIterator[int]:
    """The assembled app on a real uvicorn server in this process (so the test sees both its
    bus and its file descriptors); yields the port."""
    async with serving(assembly.app(), http=guarded_protocol(ConnectionLimits())) as server:
        yield server.config.port


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
    # Warm-up: the Redis bus opens its Pub/Sub connection once, and the client pools grow to
    # the concurrency they see (each subscription reads the channel's history; on a cluster
    # each node has its pool), then no further: every way of dropping is warmed up.
    stages = ["request", "headers", "comment"]
    for _ in range(2):
        await asyncio.gather(*(stream(served, stages[n % 3]) for n in range(AT_ONCE)))
    await settled(lambda: bus.subscribers == 0)
    baseline = open_descriptors()

    for batch in range(STREAMS // AT_ONCE):
        await asyncio.gather(*(stream(served, stages[(batch + n) % 3]) for n in range(AT_ONCE)))

    # NOTE: on a cluster the client's pools may still grow past the warm-up, by at most the
    # concurrency (AT_ONCE); a leak of one descriptor per dropped stream would add up to 500.
    slack = AT_ONCE if assembly.adapters.settings().profile is Profile.CLUSTER else 0
    assert await settled(lambda: bus.subscribers == 0)
    assert await settled(lambda: open_descriptors() <= baseline + slack), (
        open_descriptors(),
        baseline,
    )


CLOSING = int(os.environ.get("CLOSING_STREAMS", "1000"))
"""Streams on distinct channels closed at once (the hostile sweep closed 6,000)."""


async def test_streams_closed_at_once_release_their_subscriptions_within_2_s(
    rebuild: Rebuild, profile_settings: Settings
) -> None:
    """Keep-alives every 30 s: each stream must notice its client left when it leaves, not at
    its next send (the sweep saw subscriptions linger for ~30 s), and the Redis bus must
    release the channels in batches."""
    built = rebuild(sse_keepalive_seconds=30)
    bus = built.adapters.bus()
    url = await asyncio.to_thread(redis_url, profile_settings)
    async with serving(built.app(), http=guarded_protocol(ConnectionLimits())) as server:
        clients = []
        for start in range(0, CLOSING, AT_ONCE):
            clients += await asyncio.gather(
                *(follow(server.config.port, f"c{n}") for n in range(start, start + AT_ONCE))
            )
        assert bus.subscribers == CLOSING
        for writer in clients:
            writer.close()
        closed_at = time.monotonic()

        assert await settled(lambda: bus.subscribers == 0, seconds=2)
        if url is not None:
            async with Redis.from_url(url) as client:
                async with asyncio.timeout(max(0.1, closed_at + 2 - time.monotonic())):
                    while await client.pubsub_shardchannels(keys.channel("*")):  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
        print(f"{CLOSING} streams released in {time.monotonic() - closed_at:.2f} s")


async def follow(port: int, channel: str) -> asyncio.StreamWriter:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /events/stream?channel={channel} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await reader.readuntil(f": subscribed to {channel}\n".encode())
    return writer
