"""The `backend` fixture: every contract test runs once per backend, with the same test id."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import fakeredis
import pytest
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisClusterException

from adapters.redis.client import MAX_CONNECTIONS, connect
from adapters.sql.migrations import upgrade
from tests.contract.backends import Backend, InMemoryBackend
from tests.contract.redis_backends import (
    ClusterBackend,
    RedisBackend,
    RedisServerBackend,
    SentinelBackend,
)
from tests.contract.repositories import (
    InMemoryRepositoryBackend,
    RepositoryBackend,
    SqlRepositoryBackend,
)
from tests.support.cluster import ClusterTopology
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer
from tests.support.sentinel_topology import SentinelTopology, collect_sentinel_leftovers

BACKENDS = ["inmemory", "fakeredis", "redis", "sentinel", "cluster"]
CACHE_BACKENDS = [*BACKENDS, "redis+near", "sentinel+near", "cluster+near"]
"""The cache's contract also runs with the near cache in front of each real Redis backend."""
CLUSTER_GAPS: dict[str, str] = {}
"""What the cluster cannot do yet, each failing the way it says (strict: a gap that closes
fails the run until it is taken off this list)."""
REPOSITORIES = ["inmemory", "sqlite", "postgresql"]
CLUSTER_RUNS = {"collected": 0, "set up": 0}
"""How many contract tests on the cluster were collected, and how many got their backend: the
last test checks what they ran once every one of them did (test_scripts_on_the_cluster.py)."""

# Contract tests check semantics under heavy concurrency, not capacity: a roomy deadline keeps
# 2,000 concurrent claimers from timing out on the connection pool.
DEADLINE_SECONDS = 10.0


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    async with backend_named(request, request.param) as chosen:
        yield chosen


@contextlib.asynccontextmanager
async def backend_named(request: pytest.FixtureRequest, name: str) -> AsyncIterator[Backend]:
    """The backend `name` for this test, closed after it. `redis+near` (and `sentinel+near`,
    `cluster+near`): that backend, whose every `cache()` has a near cache in front (an
    instance with NEAR_CACHE=true; see `RedisBackend.with_near_caches`)."""
    store, _, near = name.partition("+")
    match store:
        case "inmemory":
            chosen: Backend = InMemoryBackend()
        case "fakeredis":
            fake: Redis = fakeredis.FakeAsyncRedis(
                server=fakeredis.FakeServer(),
                protocol=3,
                # NOTE: the production pool class; the default raises past 100 in-flight commands.
                connection_pool_class=BlockingConnectionPool,
                max_connections=MAX_CONNECTIONS,
            )
            chosen = RedisBackend(fake, blocking_reads_wait=False, counts_commands=False)
        case "redis":
            server: RedisServer = request.getfixturevalue("redis_server")
            client = connect(server.url, deadline_seconds=DEADLINE_SECONDS)
            await client.flushall()
            chosen = RedisServerBackend(client, server)
        case "sentinel":
            topology: SentinelTopology = request.getfixturevalue("sentinel_topology")
            await asyncio.to_thread(topology.flush)
            chosen = SentinelBackend(topology, deadline_seconds=DEADLINE_SECONDS)
        case "cluster":
            CLUSTER_RUNS["set up"] += 1
            cluster: ClusterTopology = request.getfixturevalue("redis_cluster")
            await asyncio.to_thread(cluster.flush)
            chosen = ClusterBackend(cluster, deadline_seconds=DEADLINE_SECONDS)
    try:
        if near:
            assert isinstance(chosen, RedisBackend)
            await chosen.with_near_caches()
        yield chosen
    finally:
        await chosen.close()
        if store == "sentinel":
            collect_sentinel_leftovers()


@pytest.fixture(params=REPOSITORIES)
async def repository(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[RepositoryBackend]:
    match request.param:
        case "inmemory":
            chosen: RepositoryBackend = InMemoryRepositoryBackend()
        case "sqlite":
            url = f"sqlite:///{tmp_path / 'notices.sqlite3'}"
            await asyncio.to_thread(upgrade, url)
            chosen = SqlRepositoryBackend(url, deadline_seconds=DEADLINE_SECONDS)
        case "postgresql":
            server: PostgresServer = request.getfixturevalue("postgres_server")
            server.reset()
            await asyncio.to_thread(upgrade, server.url)
            chosen = SqlRepositoryBackend(server.url, deadline_seconds=DEADLINE_SECONDS)
    try:
        yield chosen
    finally:
        await chosen.close()


SENTINEL_LEFTOVERS = (
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <function StreamWriter.__del__"
        ":pytest.PytestUnraisableExceptionWarning"
    ),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <function AbstractConnection.__del__"
        ":pytest.PytestUnraisableExceptionWarning"
    ),
)
"""See `collect_sentinel_leftovers`: the sockets redis-py's Sentinel clients drop under a herd
may be collected in the middle of the test that made them, not only at its end. (The naive
herd, 2,000 record scripts each appending to a stream and waiting for a replica, drops
whole connections too: unclosed, not lost; every claim in it still succeeds.)"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each real server's tests together (one server, one topology for the session)."""
    items.sort(
        key=lambda item: (
            "test_scripts_on_the_cluster" in item.nodeid,
            "[redis" in item.nodeid,
            "[sentinel" in item.nodeid,
            "[cluster" in item.nodeid,
        )
    )
    # NOTE: the contract suite's own: the HTTP suite has `[cluster]` tests too, which take no
    # backend (counting them kept the script check below from ever running in a full run).
    CLUSTER_RUNS["collected"] = sum(
        "[cluster" in item.nodeid and "backend" in getattr(item, "fixturenames", ())
        for item in items
    )
    for item in items:
        if "[sentinel" in item.nodeid:
            for marker in SENTINEL_LEFTOVERS:
                item.add_marker(marker)
        gap = CLUSTER_GAPS.get(item.nodeid.rpartition("/")[2])
        if gap is not None:
            item.add_marker(
                pytest.mark.xfail(reason=gap, strict=True, raises=RedisClusterException)
            )
