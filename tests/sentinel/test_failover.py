"""Level 4 on a real Sentinel topology: the master dies (SIGKILL), the Sentinels promote a
replica, and the adapters carry on by themselves, having lost nothing they acknowledged.

Each test heals the topology before it ends (the killed server comes back as a replica)."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from falcon import testing

from adapters.redis import keys
from composition.root import assemble
from composition.settings import Profile, Settings
from domain.model.events import BusMessage, ChannelEvent, EventId, HistoryGap
from domain.model.paging import PageRequest
from ports.cache import Cache, CachedPage, CacheMiss
from ports.errors import BackendUnavailable
from ports.event_bus import Subscription
from tests.contract.redis_backends import SentinelBackend
from tests.support.postgres_server import PostgresServer
from tests.support.sentinel_topology import SentinelTopology, collect_sentinel_leftovers
from tests.support.settings import ADMIN_TOKEN, OTP_SECRET
from tests.support.writers import AcknowledgedWriters

DEADLINE_SECONDS = 2.0
RECOVERY_BOUND_SECONDS = 10.0
"""How long the tests wait for writes and events after a kill before calling it a hang (a
failover takes about 2-3 s here, down-after 1000 ms). A guard against hanging, not a
measurement: how long a failover takes is measured and reported by the chaos runs."""


@pytest.fixture
async def topology(sentinel_topology: SentinelTopology) -> AsyncIterator[SentinelTopology]:
    await asyncio.to_thread(sentinel_topology.flush)
    yield sentinel_topology
    await asyncio.to_thread(sentinel_topology.heal)


@pytest.fixture
async def backend(topology: SentinelTopology) -> AsyncIterator[SentinelBackend]:
    """The adapters as the `sentinel` profile builds them, with `REDIS_WAIT_REPLICAS=1`."""
    backend = SentinelBackend(topology, deadline_seconds=DEADLINE_SECONDS)
    yield backend
    await backend.close()
    collect_sentinel_leftovers()


def sentinel_settings(
    topology: SentinelTopology, database: PostgresServer, *, wait_replicas: int
) -> Settings:
    return Settings(
        profile=Profile.SENTINEL,
        redis_sentinels=tuple(topology.sentinels),
        redis_sentinel_service=topology.service,
        redis_wait_replicas=wait_replicas,
        database_url=database.url,
        admin_token=ADMIN_TOKEN,
        otp_secret=OTP_SECRET,
    )


async def kill_master(topology: SentinelTopology) -> float:
    """SIGKILL the master; returns when (monotonic)."""
    await asyncio.to_thread(topology.kill_master)
    return time.monotonic()


async def test_every_acknowledged_write_survives_a_killed_master(
    topology: SentinelTopology, backend: SentinelBackend
) -> None:
    async with AcknowledgedWriters(backend.usage(), "chaos") as writers:
        await writers.until_acknowledged(100, after=0, seconds=5)
        killed_at = await kill_master(topology)
        await writers.until_acknowledged(100, after=killed_at, seconds=30)

    recovered_after = min(at for at in writers.acknowledged_at if at > killed_at) - killed_at
    stored = {int(seq) for seq in await backend.client.smembers(keys.usage_seqs("chaos"))}
    lost = sorted(set(writers.acknowledged) - stored)

    assert lost == [], f"{len(lost)} acknowledged writes lost: {lost[:10]}"
    # Reported, not bounded: how long a failover takes and how many 503s it costs depend on
    # the machine (the chaos runs measure them). Writes came back: the wait above says so.
    print(
        f"failover: writes back after {recovered_after:.2f} s, {writers.refused} refused meanwhile"
    )


async def receive_event(subscription: Subscription, seconds: float) -> ChannelEvent:
    """The next event, failing on a gap: nothing was lost that the history should have."""
    async with asyncio.timeout(seconds):
        while True:
            delivery = await subscription.receive(timeout_seconds=seconds)
            assert not isinstance(delivery, HistoryGap), "the history lost events"
            if delivery is not None:
                return delivery


async def publish_until_accepted(backend: SentinelBackend, message: BusMessage) -> None:
    async with asyncio.timeout(RECOVERY_BOUND_SECONDS * 2):
        while True:
            try:
                await backend.bus().publish(message)
                return
            except BackendUnavailable:
                await asyncio.sleep(0.1)  # the client's own retries were spent: try again


async def test_a_subscriber_receives_what_is_published_after_the_failover(
    topology: SentinelTopology, backend: SentinelBackend
) -> None:
    before = BusMessage(channel="alerts", type="before", payload={})
    after = BusMessage(channel="alerts", type="after", payload={})

    async with backend.bus().subscribe("alerts") as subscription:
        await backend.bus().publish(before)
        assert (await receive_event(subscription, 2)).message == before
        await kill_master(topology)
        await publish_until_accepted(backend, after)

        received = await receive_event(subscription, RECOVERY_BOUND_SECONDS)

    assert received.message == after, "re-subscribed on the new master, caught up, none twice"


async def test_should_receive_message_when_event_published(
    topology: SentinelTopology, backend: SentinelBackend
) -> None:
    """The curriculum's Pub/Sub test, on the `sentinel` profile's adapters."""
    message = BusMessage(channel="alerts", type="disk.full", payload={"host": "db1"})

    async with backend.bus().subscribe("alerts") as subscription:
        published = await backend.bus().publish(message)
        received = await receive_event(subscription, 2)

    assert received == ChannelEvent(published, message)


async def test_an_sse_client_resumes_across_a_failover_with_last_event_id(
    topology: SentinelTopology, migrated_postgres: PostgresServer
) -> None:
    migrated_postgres.empty()
    assembly = assemble(
        sentinel_settings(topology, migrated_postgres, wait_replicas=1), sse_keepalive_seconds=0.05
    )
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        async with testing.ASGIConductor(assembly.app()) as api:
            async with api.simulate_get_stream(
                "/events/stream", params={"channel": "alerts"}
            ) as first:
                await api.simulate_post(
                    "/events/alerts", json={"type": "seen", "payload": {}}, headers=admin
                )
                seen = await read_events(first, 1)
            await kill_master(topology)
            async with asyncio.timeout(RECOVERY_BOUND_SECONDS * 2):
                while True:  # a 503 says: try again (as a client would, after Retry-After)
                    published = await api.simulate_post(
                        "/events/alerts", json={"type": "missed", "payload": {}}, headers=admin
                    )
                    if published.status_code == 202:
                        break
                    assert published.status_code == 503, published.text
                    await asyncio.sleep(0.1)
            async with api.simulate_get_stream(
                "/events/stream",
                params={"channel": "alerts"},
                headers={"Last-Event-ID": seen[0]["id"]},
            ) as again:
                replayed = await read_events(again, 1)
    finally:
        await assembly.backends().shutdown()

    assert [event["event"] for event in replayed] == ["missed"]
    assert EventId.parse(replayed[0]["id"]) > EventId.parse(seen[0]["id"])


async def read_events(result: testing.StreamedResult, count: int) -> list[dict[str, str]]:
    received = b""
    async with asyncio.timeout(RECOVERY_BOUND_SECONDS):
        while True:
            received += await result.stream.read()
            blocks = received.decode().split("\n\n")[:-1]
            events = [
                dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
                for block in blocks
            ]
            events = [event for event in events if "event" in event]
            if len(events) >= count:
                return events
            await asyncio.sleep(0.01)


async def test_a_write_fewer_replicas_acknowledge_is_a_503_and_counted(
    topology: SentinelTopology, migrated_postgres: PostgresServer
) -> None:
    """Three replicas asked of a topology that has two: the write may or may not survive a
    failover, so the client hears 503 (and retries), never 202."""
    migrated_postgres.empty()
    assembly = assemble(sentinel_settings(topology, migrated_postgres, wait_replicas=3))
    try:
        async with testing.ASGIConductor(assembly.app()) as api:
            answer = await api.simulate_post(
                "/usage",
                json={"source": "s", "seq": 1},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},  # accepted for ingestion
            )
            metrics = (await api.simulate_get("/metrics")).text
    finally:
        await assembly.backends().shutdown()

    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "1"
    assert 'redis_errors_total{kind="replication"} 1.0' in metrics


async def test_a_near_cache_on_a_frozen_master_drops_its_pages_and_follows_the_failover(
    topology: SentinelTopology, backend: SentinelBackend
) -> None:
    """SIGSTOP of the master: the tracking connection stays open and hears nothing, so no
    push will ever say the pages changed. The probe finds it out (the pages are dropped), the
    tracking starts again where the writes go, and a page the new master replaced is never
    served: not while the old one is frozen, nor once it wakes up as a replica."""
    page = PageRequest(limit=10, offset=0)
    near, other = backend.near_cache(settled=False, liveness_seconds=0.25), backend.cache()
    await fill_page(other, page, b"before")
    async with asyncio.timeout(5):
        while not await served_near(near, page, b"before"):  # noqa: ASYNC110 - tracking, then kept
            await asyncio.sleep(0.01)
    old = topology.master()

    frozen = asyncio.create_task(asyncio.to_thread(topology.run, "pause-master", "5"))
    async with asyncio.timeout(2):
        while near.bytes_held:  # noqa: ASYNC110 - the probe's answer not coming
            await asyncio.sleep(0.01)
    stale = 0
    async with asyncio.timeout(RECOVERY_BOUND_SECONDS * 2):
        await fill_page(other, page, b"after")  # on the promoted replica, once there is one
        while not await served_near(near, page, b"after"):
            with contextlib.suppress(BackendUnavailable):
                stale += await near.lookup(page) == CachedPage(b"before")
            await asyncio.sleep(0.01)
        await frozen
        for _ in range(100):  # the old master is awake, a replica now
            stale += await near.lookup(page) == CachedPage(b"before")
            await asyncio.sleep(0.01)

    assert topology.master() != old
    assert stale == 0


async def fill_page(cache: Cache, page: PageRequest, body: bytes) -> None:
    """Invalidate the pages and store `body` for `page`, once the master takes writes."""
    while True:
        try:
            await cache.invalidate_pages()
            miss = await cache.lookup(page)
            assert isinstance(miss, CacheMiss)
            ticket = await cache.begin_fill(page, miss.stamp, lease_seconds=5)
            assert await cache.store(page, body, ticket, ttl_seconds=60)
            return
        except BackendUnavailable:
            await asyncio.sleep(0.1)  # the client's own retries were spent: try again


async def served_near(near: Cache, page: PageRequest, body: bytes) -> bool:
    with contextlib.suppress(BackendUnavailable):
        found = await near.lookup(page)
        return isinstance(found, CachedPage) and found == CachedPage(body) and found.near
    return False
