"""One Redis client per process: pool, timeouts and retries sized to the request deadline, the
scripts (`adapters.redis.scripts`) registered once, and the translation of `redis.exceptions`
into `ports.errors`."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Final, cast

from redis import exceptions
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import (
    AbstractBackoff,
    EqualJitterBackoff,
    ExponentialWithJitterBackoff,
    NoBackoff,
)
from redis.commands.core import AsyncScript

from adapters.redis.scripts import AcknowledgedScript, Durability, lua_source
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
    equal_jitter: bool = False
    """Equal jitter (half the delay fixed, half random) instead of full jitter: a retry
    through a failover should not come back almost at once, when nothing has changed yet."""

    @classmethod
    def within(cls, deadline_seconds: float) -> "Timing":
        """One Redis: a dead server costs 3 x 0.4 + 2 x 0.1 = 1.4 s at worst (2 s deadline)."""
        return cls(
            pool_timeout=deadline_seconds * 0.75,
            connect_timeout=deadline_seconds / 5,
            socket_timeout=deadline_seconds / 5,
            retries=2,
            backoff_base=deadline_seconds / 200,
            backoff_cap=deadline_seconds / 20,
        )

    @classmethod
    def across_failover(cls, deadline_seconds: float) -> "Timing":
        """Behind Sentinel: a dead master refuses connections at once, and a new one is
        promoted 1.5 to 2.5 s later. A command keeps trying (asking the Sentinels for the
        master each time) through three quarters of the deadline: 0.1 + 0.2 + 4 x 0.3 s of
        backoff at most with a 2 s deadline, so a request that arrives late in a failover is
        served by the new master instead of failing."""
        return replace(
            cls.within(deadline_seconds),
            retries=6,
            backoff_base=deadline_seconds / 40,
            backoff_cap=deadline_seconds * 0.15,
            equal_jitter=True,
        )

    @property
    def backoff(self) -> AbstractBackoff:
        kind = EqualJitterBackoff if self.equal_jitter else ExponentialWithJitterBackoff
        return kind(base=self.backoff_base, cap=self.backoff_cap)

    @property
    def wait_timeout_ms(self) -> int:
        """How long `WAIT` may block: well inside the socket timeout, or the client would give
        up on the reply and retry the write."""
        return max(1, int(self.socket_timeout * 1000 / 2))

    def pool_options(self, max_connections: int) -> dict[str, Any]:
        return {
            "max_connections": max_connections,
            "timeout": self.pool_timeout,
            "socket_connect_timeout": self.connect_timeout,
            "socket_timeout": self.socket_timeout,
            "socket_keepalive": True,
            "retry": Retry(self.backoff, self.retries),
            "protocol": 3,
        }


def connect(url: str, *, deadline_seconds: float, max_connections: int = MAX_CONNECTIONS) -> Redis:
    """A client for `url` on a bounded, blocking pool. No I/O until the first command."""
    timing = Timing.within(deadline_seconds)
    pool = BlockingConnectionPool.from_url(url, **timing.pool_options(max_connections))
    return Redis.from_pool(pool)  # the client owns the pool: aclose() also disconnects it


class BlockingSentinelConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """redis-py's Sentinel pool (ask the Sentinels for the master on every new connection; a
    `READONLY` reply from a demoted master drops the connection and retries) with the
    blocking pool's bound: past `max_connections`, wait for one instead of failing."""


@dataclass(frozen=True, slots=True)
class SentinelMaster:
    """The master's client, and the Sentinel clients it asks (both closed with it)."""

    client: Redis
    sentinel: Sentinel


def connect_via_sentinel(
    sentinels: Sequence[tuple[str, int]],
    service: str,
    *,
    deadline_seconds: float,
    max_connections: int = MAX_CONNECTIONS,
) -> SentinelMaster:
    """A client of whichever server the Sentinels name master of `service`, on a bounded,
    blocking pool, retrying through a failover (`Timing.across_failover`). No I/O yet."""
    timing = Timing.across_failover(deadline_seconds)
    quick = min(timing.socket_timeout, 0.25)  # a Sentinel answers at once, or is gone
    sentinel = Sentinel(
        list(sentinels),
        sentinel_kwargs={
            "socket_timeout": quick,
            "socket_connect_timeout": quick,
            "retry": Retry(NoBackoff(), 0),  # the next Sentinel is the retry
        },
    )
    client = sentinel.master_for(
        service,
        connection_pool_class=BlockingSentinelConnectionPool,
        **timing.pool_options(max_connections),
    )
    return SentinelMaster(client, sentinel)


CLUSTER_CONNECTIONS_PER_NODE: Final = 256
"""redis-py's cluster client keeps a pool per node that raises past its size instead of
waiting: roomier than `MAX_CONNECTIONS`, since a burst may land on one node."""


class NodeClients:
    """A plain client per cluster node, made on first use: what must run on the node that took
    a write (its `WAIT`, on the same connection) goes through the node's own client."""

    def __init__(self, timing: Timing, max_connections: int = 16) -> None:
        self._timing = timing
        self._max_connections = max_connections
        self._clients: dict[tuple[str, int], Redis] = {}

    def __call__(self, host: str, port: int) -> Redis:
        client = self._clients.get((host, port))
        if client is None:
            pool = BlockingConnectionPool(
                host=host, port=port, **self._timing.pool_options(self._max_connections)
            )
            client = self._clients[(host, port)] = Redis.from_pool(pool)
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


class AdmittedCluster(RedisCluster):
    """redis-py's asyncio `RedisCluster`, with its commands waiting their turn once
    `admitted` are in flight, as they wait for a connection of a single server's blocking
    pool. redis-py's cluster pools raise `MaxConnectionsError` past their size instead: a herd
    of 2,000 claimers got 1,744 503s on pools of 256. At most `admitted` commands (or
    pipelines) in flight never exceed a node's pool of that size, wherever their slots are;
    a command that waits longer than `wait_seconds` fails as a pool timeout would."""

    def __init__(self, *args: Any, admitted: int, wait_seconds: float, **options: Any) -> None:
        super().__init__(*args, **options)
        self.admission = asyncio.Semaphore(admitted)
        self.wait_seconds = wait_seconds

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        async with admitted(self):
            return await super().execute_command(*args, **kwargs)

    def pipeline(
        self, transaction: Any | None = None, shard_hint: Any | None = None
    ) -> ClusterPipeline:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # refused by redis-py
        # NOTE: redis-py makes its own ClusterPipeline the same way; its typing marks an
        # attribute abstract that its constructor sets.
        return AdmittedPipeline(self, transaction)  # type: ignore[abstract]


class AdmittedPipeline(ClusterPipeline):
    """A pipeline (or transaction) of an `AdmittedCluster`: one turn for the whole of it."""

    def __init__(self, client: AdmittedCluster, transaction: bool | None = None) -> None:
        super().__init__(client, transaction)
        self._admitted_by = client

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        async with admitted(self._admitted_by):
            return await super().execute(raise_on_error, allow_redirections)


@asynccontextmanager
async def admitted(cluster: AdmittedCluster) -> AsyncIterator[None]:
    """A turn among the cluster client's commands in flight."""
    try:
        async with asyncio.timeout(cluster.wait_seconds):
            await cluster.admission.acquire()
    except TimeoutError:
        raise exceptions.MaxConnectionsError(
            f"no turn among the cluster client's commands within {cluster.wait_seconds:g} s"
        ) from None
    try:
        yield
    finally:
        cluster.admission.release()


@dataclass(frozen=True, slots=True)
class ClusterClients:
    """The cluster's client (slots, MOVED, ASK, failovers), and the nodes' own clients."""

    client: AdmittedCluster
    nodes: NodeClients
    settle_delays: tuple[float, ...] = ()
    """How long to wait before each new try of a write that met TRYAGAIN or CLUSTERDOWN (a
    slot being migrated, a failover under way): within three quarters of the deadline."""

    async def relearn_slots(self) -> None:
        """Ask the cluster again which node serves which slot (after a slot moved under a
        connection that does not get MOVED: a subscription, a tracking connection)."""
        # NOTE: the client's own first: a slot map learnt without it (a default node, no
        # command table) makes the client's next command look up keys with no node to ask.
        await self.client.initialize()
        await self.client.nodes_manager.initialize()


def connect_to_cluster(
    nodes: Sequence[tuple[str, int]],
    *,
    deadline_seconds: float,
    max_connections: int = CLUSTER_CONNECTIONS_PER_NODE,
) -> ClusterClients:
    """A client of the Redis Cluster `nodes` belong to: it learns the other nodes and the
    slots from them, follows MOVED and ASK at once, and retries a failover's CLUSTERDOWN,
    TRYAGAIN and refused connections as the Sentinel client does
    (`Timing.across_failover`). No I/O until the first command."""
    timing = Timing.across_failover(deadline_seconds)
    cluster = AdmittedCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in nodes],
        admitted=max_connections,
        wait_seconds=timing.pool_timeout,
        max_connections=max_connections,
        retry=Retry(timing.backoff, timing.retries),
        socket_timeout=timing.socket_timeout,
        socket_connect_timeout=timing.connect_timeout,
        socket_keepalive=True,
        protocol=3,
    )
    delays = tuple(
        min(timing.backoff_cap, timing.backoff_base * 2**attempt)
        for attempt in range(timing.retries)
    )
    return ClusterClients(cluster, NodeClients(Timing.within(deadline_seconds)), delays)


class RedisConnector:
    """What every Redis adapter of one process shares: the client, the scripts, the durability
    of acknowledged writes, and one place where client errors become port errors (counted by
    kind through `on_error`)."""

    def __init__(
        self,
        client: Redis | SentinelMaster | ClusterClients,
        *,
        on_error: Callable[[str], None] | None = None,
        durability: Durability | None = None,
    ) -> None:
        self._sentinel: Sentinel | None = None
        self.cluster = client if isinstance(client, ClusterClients) else None
        """The cluster's clients, on the cluster profile (`client` is then its client)."""
        self.client: Redis
        if isinstance(client, SentinelMaster):
            self.client, self._sentinel = client.client, client.sentinel
        elif isinstance(client, ClusterClients):
            # NOTE: typed as `Redis`: the adapters call the commands both clients have, with
            # the keys of each call (script, pipeline, transaction) in one slot; what differs
            # on a cluster (the WAIT after a write) asks `cluster`.
            self.client = cast(Redis, client.client)
        else:
            self.client = client
        self._on_error = on_error
        self._durability = durability or Durability()
        self._scripts: dict[str, AsyncScript] = {}
        self._errors = _Translation(self.report)

    def script(self, name: str) -> AsyncScript:
        """The Lua script `lua/<name>.lua` (see `lua_source`), registered once. Calls use
        EVALSHA and reload the script on NOSCRIPT (an empty script cache after a restart or a
        failover)."""
        script = self._scripts.get(name)
        if script is None:
            script = self._scripts[name] = self.client.register_script(lua_source(name))
        return script

    def acknowledged(self, name: str) -> AcknowledgedScript:
        """The script `name` for writes the service acknowledges to its clients: with
        `Durability.replicas`, each call is followed by `WAIT` on the same connection."""
        return AcknowledgedScript(
            self.client,
            self.script(name),
            self._durability,
            report=self.report,
            cluster=self.cluster,
        )

    def errors(self) -> "_Translation":
        """A context translating `redis.exceptions` into `BackendTimeout` /
        `BackendUnavailable` (reusable, and cheaper than a generator-based one: every Redis
        call of a cache hit goes through it)."""
        return self._errors

    def report(self, kind: str, error: Exception) -> None:
        """Count an error of `kind` (and log it at debug level)."""
        if self._on_error is not None:
            self._on_error(kind)
        log.debug("redis %s error: %s", kind, error)

    async def close(self) -> None:
        await self.client.aclose()
        if self._sentinel is not None:
            await self._sentinel.aclose()
        if self.cluster is not None:
            await self.cluster.nodes.close()


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
        if isinstance(error, exceptions.ClusterCrossSlotError):
            return  # keys of one call in different slots: a bug, never a 503
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
            case exceptions.OutOfMemoryError():
                self._report("out_of_memory", error)
                raise BackendUnavailable(f"redis is full (maxmemory): {error}") from error
        self._report("response", error)
        raise BackendUnavailable(f"redis failed the command: {error}") from error
