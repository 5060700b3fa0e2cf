"""`NearCache` on real servers, one Redis and a cluster: a page another instance invalidates
stops being served within the bound the tracking gives (one push's transit; the probe's two
liveness periods when the server stops being the one that takes the writes), and the near
cache empties on a flush, on a dropped tracking connection and when the slot moves."""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.redis.cache import RedisCache
from adapters.redis.client import RedisConnector, connect, connect_to_cluster
from adapters.redis.near_cache import NearCache, tracked
from domain.model.paging import PageRequest
from ports.cache import CachedPage, CacheMiss
from tests.support.cluster import ClusterTopology
from tests.support.redis_server import RedisServer

PAGE = PageRequest(limit=10, offset=0)
LIVENESS = 0.25


@pytest.fixture(params=["redis", "cluster"])
async def instances(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """Two instances of the service on one store: `near` with the near cache, `other` without;
    and the store's test handle."""
    connectors: list[RedisConnector] = []
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        connectors += [RedisConnector(connect(server.url, deadline_seconds=2)) for _ in "ab"]
        await connectors[0].client.flushall()
        store: Any = server
    else:
        cluster: ClusterTopology = request.getfixturevalue("redis_cluster")
        await asyncio.to_thread(cluster.flush)
        for _ in range(2):
            nodes = connect_to_cluster(cluster.nodes, deadline_seconds=2)
            connectors.append(RedisConnector(nodes))
        store = cluster
    near = NearCache(
        RedisCache(connectors[0]),
        tracked(connectors[0]),
        max_bytes=1_000_000,
        max_age_seconds=60,
        liveness_seconds=LIVENESS,
    )
    try:
        yield near, RedisCache(connectors[1]), connectors, store
    finally:
        await near.close()
        for connector in connectors:
            await connector.close()


async def fill(cache: RedisCache, body: bytes) -> None:
    found = await cache.lookup(PAGE)
    assert isinstance(found, CacheMiss)
    ticket = await cache.begin_fill(PAGE, found.stamp, lease_seconds=5)
    assert await cache.store(PAGE, body, ticket, ttl_seconds=60)


def served_near(found: object, body: bytes) -> bool:
    return isinstance(found, CachedPage) and found == CachedPage(body) and found.near


async def until_tracking(near: NearCache) -> None:
    near.tracking.start()
    async with asyncio.timeout(5):
        while not near.tracking.live:  # noqa: ASYNC110 - the connection coming up
            await asyncio.sleep(0.01)


async def until_kept(near: NearCache, body: bytes) -> None:
    """Read until the near cache keeps the page: the pushes of the fill's own writes may still
    be arriving, and a read they overtake keeps nothing (by design)."""
    async with asyncio.timeout(2):
        while not near.bytes_held:
            assert await near.lookup(PAGE) == CachedPage(body)
            await asyncio.sleep(0.001)


async def until_missed(near: NearCache, seconds: float) -> float:
    """Seconds until the near cache no longer serves the page; fails past `seconds`."""
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        while isinstance(await near.lookup(PAGE), CachedPage):  # noqa: ASYNC110 - what is measured
            await asyncio.sleep(0.001)
    return time.monotonic() - started


async def test_a_page_another_instance_invalidates_is_not_served_after_its_push(
    instances: Any,
) -> None:
    near, other, _, _ = instances
    await until_tracking(near)
    await fill(other, b"page-1")
    await until_kept(near, b"page-1")
    hits = near.near_hits
    found = await near.lookup(PAGE)
    assert found == CachedPage(b"page-1")
    assert found.near
    assert near.near_hits == hits + 1, "the second read cost no round trip"

    await other.invalidate_pages()
    window = await until_missed(near, 1.0)

    assert near.bytes_held == 0
    print(f"served {window * 1000:.1f} ms after the other instance's write returned")


async def test_once_another_instance_s_write_returned_no_page_it_replaced_is_served(
    instances: Any,
) -> None:
    """Read-your-writes across instances with no round trip per read: the read right after the
    other instance's write returned, before this process's loop has run its push reader."""
    near, other, _, _ = instances
    await until_tracking(near)
    stale = 0
    for trial in range(200):
        body = f"page-{trial}".encode()
        await fill(other, body)
        async with asyncio.timeout(2):  # kept, and no push or probe answer left unread
            while not served_near(await near.lookup(PAGE), body):  # noqa: ASYNC110
                await asyncio.sleep(0.001)

        await other.invalidate_pages()
        stale += isinstance(await near.lookup(PAGE), CachedPage)

    assert stale == 0


async def test_a_flush_or_a_dropped_tracking_connection_empties_it(instances: Any) -> None:
    near, other, connectors, store = instances
    await until_tracking(near)
    await fill(other, b"page-1")
    await until_kept(near, b"page-1")

    if isinstance(store, RedisServer):
        await connectors[1].client.client_kill_filter(_type="normal", skipme=True)
    else:
        await asyncio.to_thread(store.flush)
    async with asyncio.timeout(5):
        while near.bytes_held:  # noqa: ASYNC110 - the push, or the drop, arriving
            await asyncio.sleep(0.01)

    await until_tracking(near)
    assert near.bytes_held == 0, "it starts over empty"


async def test_on_a_cluster_tracking_follows_the_slot_when_it_moves(instances: Any) -> None:
    near, other, _, store = instances
    if not isinstance(store, ClusterTopology):
        pytest.skip("one server: no slot to move")
    await until_tracking(near)
    epoch = near.tracking.epoch
    await fill(other, b"page-1")
    await until_kept(near, b"page-1")

    await asyncio.to_thread(store.run, "reshard", "rp:{notices}:generation")
    await other.invalidate_pages()  # on the slot's new owner, which the tracking is not on yet
    window = await until_missed(near, 4 * LIVENESS)

    assert near.tracking.epoch > epoch, "the migration's deletions were pushed"
    # A page kept after the move, then invalidated on the new owner, which pushes nothing to a
    # connection on the old one: the probe finds the slot gone (MOVED) within two liveness
    # periods, and tracking starts over on the new owner, empty.
    await fill(other, b"page-2")
    await until_kept(near, b"page-2")
    await other.invalidate_pages()
    found_by_probe = await until_missed(near, 3 * LIVENESS)
    await until_tracking(near)
    await fill(other, b"page-3")
    await until_kept(near, b"page-3")
    await other.invalidate_pages()
    pushed = await until_missed(near, 1.0)
    print(
        f"after the reshard: the migration's push {window * 1000:.0f} ms; a write on the new "
        f"owner {found_by_probe * 1000:.0f} ms (its push, or the probe: liveness {LIVENESS} s); "
        f"once "
        f"tracking moved: {pushed * 1000:.1f} ms"
    )
