"""The Redis adapters as contract-suite backends: on fakeredis, and on a real redis-server."""

import asyncio
from typing import Any, Final, Protocol, runtime_checkable

from redis.asyncio import Redis

from adapters.redis import keys
from adapters.redis.cache import RedisCache
from adapters.redis.client import (
    ClusterClients,
    RedisConnector,
    SentinelMaster,
    connect,
    connect_to_cluster,
    connect_via_sentinel,
)
from adapters.redis.coupon_ledger import RedisCouponLedger
from adapters.redis.event_bus import RedisEventBus
from adapters.redis.health import RedisProbe
from adapters.redis.ledger_feed import RedisLedgerFeed
from adapters.redis.lock import RedisLock
from adapters.redis.near_cache import NearCache, tracked
from adapters.redis.ranking import RedisRanking
from adapters.redis.scripts import Durability
from adapters.redis.search_history import RedisSearchHistory
from adapters.redis.throttle import RedisThrottle
from adapters.redis.token_store import RedisTokenStore
from adapters.redis.usage_log import RedisUsageLog
from domain.model.paging import PageRequest
from ports.cache import Cache, CachedPage, CacheLookup
from ports.coupon_ledger import CouponLedger
from ports.event_bus import EventBus
from ports.health import HealthProbe
from ports.lock import Lock
from ports.ranking import Ranking
from ports.search_history import SearchHistory
from ports.throttle import Throttle
from ports.token_store import TokenStore
from ports.usage_log import UsageLog
from tests.contract.backends import Backend
from tests.support.cluster import ClusterTopology
from tests.support.redis_server import RedisServer
from tests.support.redis_time import shift_ttls
from tests.support.sentinel_topology import SentinelTopology

HOUSEKEEPING: Final = frozenset(
    {"info", "ping", "replconf", "psync", "publish", "cluster", "command", "client", "hello"}
)
"""Commands servers send each other (replicas, Sentinels) or a test's own counting sends."""


def counted(commandstats: dict[str, Any]) -> int:
    """The calls in one server's `INFO commandstats` (as redis-py parses it), housekeeping
    left out."""
    return sum(
        int(stats["calls"])
        for name, stats in commandstats.items()
        if name.removeprefix("cmdstat_").split("|")[0] not in HOUSEKEEPING
    )


@runtime_checkable
class Disconnectable(Protocol):
    """A backend with a server whose connections can be lost."""

    async def kill_connections(self) -> None:
        """Close every client connection from the server side (`CLIENT KILL`)."""
        ...


@runtime_checkable
class Restartable(Disconnectable, Protocol):
    """A backend with one server, which can be restarted (losing its data) or frozen."""

    def restart_server(self) -> None:
        """Kill the server and start it again on the same port (its data is lost)."""
        ...

    def with_deadline(self, deadline_seconds: float) -> "RedisBackend":
        """The Redis adapters over a client of their own, sized to `deadline_seconds`."""
        ...

    def freeze_server(self) -> None:
        """Stop the server process: it answers nothing until `thaw_server`."""
        ...

    def thaw_server(self) -> None: ...


class RedisBackend(Backend):
    """The Redis adapters over one client. Every `bus()` is a new bus, with its own Pub/Sub
    connection: a second instance of the service."""

    def __init__(
        self,
        client: Redis | SentinelMaster | ClusterClients,
        durability: Durability | None = None,
        *,
        blocking_reads_wait: bool = True,
        counts_commands: bool = True,
    ) -> None:
        self.blocking_reads_wait = blocking_reads_wait
        self._counts_commands = counts_commands
        self._connector = RedisConnector(client, durability=durability)
        self.client = self._connector.client
        self._buses: list[RedisEventBus] = []
        self._near_caches: list[NearCache] = []
        self._near_in_front = False
        self._tracking_already: list[NearCache] = []

    def cache(self) -> Cache:
        if not self._near_in_front:
            return RedisCache(self._connector)
        if self._tracking_already:
            return self._tracking_already.pop(0)
        return self.near_cache()

    async def with_near_caches(self, tracking: int = 3) -> None:
        """From now on every `cache()` is a near cache in front of the Redis cache (an instance
        with NEAR_CACHE=true; see `SettledNearCache`); the first `tracking` are tracking
        already, the others start on their first lookup (reading through to Redis until then)."""
        self._near_in_front = True
        self._tracking_already = [self.near_cache() for _ in range(tracking)]
        for near in self._tracking_already:
            near.tracking.start()
        async with asyncio.timeout(10):
            while not all(near.tracking.live for near in self._tracking_already):  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    def near_cache(self, *, settled: bool = True, liveness_seconds: float = 0.5) -> NearCache:
        """A near cache in front of this backend's Redis cache (closed with the backend);
        `settled`: a `SettledNearCache`."""
        near = (SettledNearCache if settled else NearCache)(
            RedisCache(self._connector),
            tracked(self._connector),
            max_bytes=1_000_000,
            max_age_seconds=60,
            liveness_seconds=liveness_seconds,
        )
        self._near_caches.append(near)
        return near

    def tokens(self) -> TokenStore:
        return RedisTokenStore(self._connector)

    def search_history(self) -> SearchHistory:
        return RedisSearchHistory(self._connector)

    def ranking(self) -> Ranking:
        return RedisRanking(self._connector)

    def coupons(self) -> CouponLedger:
        return RedisCouponLedger(self._connector)

    def ledger_feed(self) -> RedisLedgerFeed:
        return RedisLedgerFeed(self._connector, max_block_seconds=1.0)

    def lock(self) -> Lock:
        return RedisLock(self._connector)

    def bus(self) -> EventBus:
        bus = RedisEventBus(self._connector, confirm_timeout_seconds=5)
        self._buses.append(bus)
        return bus

    def usage(self) -> UsageLog:
        return RedisUsageLog(self._connector)

    def throttle(self) -> Throttle:
        return RedisThrottle(self._connector)

    def probe(self) -> HealthProbe:
        return RedisProbe(self._connector)

    async def advance(self, seconds: float) -> None:
        await shift_ttls(self.client, seconds)

    async def append_to_feed(
        self, event_id: int, fields: dict[str, str], *, age_seconds: float = 0.0
    ) -> None:
        entry_id = "*"
        if age_seconds:  # an entry id is the time it was added, in ms: backdate it
            seconds, micros = await self.client.time()
            entry_id = f"{seconds * 1000 + micros // 1000 - int(age_seconds * 1000)}-0"
        await self.client.xadd(keys.coupon_feed_of(event_id), dict(fields), id=entry_id)  # type: ignore[arg-type]

    async def dead_letters(self, event_id: int) -> list[str]:
        return [entry["reason"] for entry in await self.ledger_feed().dead_letters(event_id)]

    async def feed_length(self, event_id: int) -> int:
        return int(await self.client.xlen(keys.coupon_feed_of(event_id)))

    async def commands_run(self) -> int | None:
        if not self._counts_commands:
            return None
        return counted(await self.client.info("commandstats"))

    async def channels(self, pattern: str) -> list[bytes | str]:
        """The shard channels matching `pattern` some connection subscribes to."""
        return await self.client.pubsub_shardchannels(pattern)

    async def flush(self) -> None:
        """Lose every key, as `FLUSHALL` (or a restart without persistence) would."""
        await self.client.flushall()

    async def close(self) -> None:
        for bus in self._buses:
            await bus.close()
        for near in self._near_caches:
            await near.close()
        await self._connector.close()


class SettledNearCache(NearCache):
    """A near cache whose lookups first let the pushes Redis has sent be read, and, when the
    page came from Redis, look up once more: so the contract's reads are served from the near
    cache wherever it holds the page. (On one host a write's pushes are in the socket once the
    write returned; test_near_cache.py checks the reads that do not wait.)"""

    async def lookup(self, request: PageRequest) -> CacheLookup:
        await self._settled()
        found = await super().lookup(request)
        if isinstance(found, CachedPage) and not found.near:
            await self._settled()
            found = await super().lookup(request)
        return found

    async def _settled(self) -> None:
        async with asyncio.timeout(2):
            while self.tracking.live and not self.tracking.caught_up():  # noqa: ASYNC110
                await asyncio.sleep(0)  # NOTE: a turn of the loop: the push reader runs


class RedisServerBackend(RedisBackend, Restartable):
    """The Redis adapters on a real redis-server, emptied first."""

    def __init__(self, client: Redis, server: RedisServer) -> None:
        super().__init__(client)
        self._server = server

    async def kill_connections(self) -> None:
        await kill_connections(self._server.port)

    def restart_server(self) -> None:
        self._server.restart()

    def with_deadline(self, deadline_seconds: float) -> RedisBackend:
        return RedisBackend(connect(self._server.url, deadline_seconds=deadline_seconds))

    def freeze_server(self) -> None:
        self._server.freeze()

    def thaw_server(self) -> None:
        self._server.thaw()


class SentinelBackend(RedisBackend, Disconnectable):
    """The Redis adapters through Sentinel, every acknowledged write waiting for a replica."""

    def __init__(self, topology: SentinelTopology, *, deadline_seconds: float) -> None:
        super().__init__(
            connect_via_sentinel(
                topology.sentinels, topology.service, deadline_seconds=deadline_seconds
            ),
            Durability(replicas=1, timeout_ms=1000),
        )
        self._topology = topology

    async def kill_connections(self) -> None:
        await kill_connections(self._topology.master())


class ClusterBackend(RedisBackend):
    """The Redis adapters on a Redis Cluster, every acknowledged write waiting for a replica
    on the node that took it."""

    def __init__(self, cluster: ClusterTopology, *, deadline_seconds: float) -> None:
        super().__init__(
            connect_to_cluster(cluster.nodes, deadline_seconds=deadline_seconds),
            Durability(replicas=1, timeout_ms=1000),
        )
        self._cluster = cluster

    async def flush(self) -> None:
        await asyncio.to_thread(self._cluster.flush)

    async def commands_run(self) -> int | None:
        cluster = self._connector.cluster
        assert cluster is not None
        total = 0
        for node in cluster.client.get_primaries():
            total += counted(await node.execute_command("INFO", "commandstats"))
        return total

    async def channels(self, pattern: str) -> list[bytes | str]:
        """A node knows the shard channels of its own slots: ask each."""
        cluster = self._connector.cluster
        assert cluster is not None
        found: list[bytes | str] = []
        for node in cluster.client.get_nodes():
            found += await node.execute_command("PUBSUB", "SHARDCHANNELS", pattern)
        return found


async def kill_connections(port: int) -> None:
    """`CLIENT KILL` every client connection of the server on `port` but this one."""
    admin = Redis(port=port)
    try:
        await admin.client_kill_filter(_type="normal", skipme=True)
        await admin.client_kill_filter(_type="pubsub", skipme=True)
    finally:
        await admin.aclose()
