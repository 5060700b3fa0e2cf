"""An API client on the app the composition root builds, on every profile, with helpers to
log in, let time pass, and check problem documents."""

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any, cast

import pytest
from falcon import testing
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster

from composition.root import Assembly, assemble
from composition.settings import Profile, Settings
from tests.support.clock import ManualClock
from tests.support.cluster import ClusterTopology
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer
from tests.support.redis_time import shift_ttls
from tests.support.secrets import ScriptedSecrets
from tests.support.sentinel_topology import (
    SentinelTopology,
    collect_sentinel_leftovers,
    master_address,
)
from tests.support.settings import ADMIN_TOKEN, INGEST_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
INGEST = {"Authorization": f"Bearer {INGEST_TOKEN}"}
Advance = Callable[[float], Awaitable[None]]


@pytest.fixture(params=list(Profile), ids=lambda profile: profile.value)
async def profile_settings(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[Settings]:
    """The test settings on each profile; on `redis`, a real Redis emptied first, on
    `sentinel` the Sentinel topology and on `cluster` the Redis Cluster emptied first
    (acknowledged writes waiting for a replica), and on all three notices in PostgreSQL,
    emptied first."""
    if request.param is Profile.MEMORY:
        yield settings
        return
    database: PostgresServer = request.getfixturevalue("migrated_postgres")
    database.empty()
    shared = replace(settings, profile=request.param, database_url=database.url)
    match request.param:
        case Profile.SENTINEL:
            topology: SentinelTopology = request.getfixturevalue("sentinel_topology")
            await asyncio.to_thread(topology.flush)
            yield replace(
                shared,
                redis_sentinels=tuple(topology.sentinels),
                redis_sentinel_service=topology.service,
                redis_wait_replicas=1,
            )
        case Profile.CLUSTER:
            cluster: ClusterTopology = request.getfixturevalue("redis_cluster")
            await asyncio.to_thread(cluster.flush)
            yield replace(shared, redis_cluster_nodes=tuple(cluster.nodes), redis_wait_replicas=1)
        case _:
            server: RedisServer = request.getfixturevalue("redis_server")
            async with Redis.from_url(server.url) as client:
                await client.flushall()
            yield replace(shared, redis_url=server.url)


def redis_url(settings: Settings) -> str | None:
    """The URL of the one Redis holding the profile's data now (None on `memory`, and on
    `cluster`, where the data is spread over nodes: see `flush_redis`)."""
    if settings.profile is Profile.SENTINEL:
        host, port = master_address(list(settings.redis_sentinels), settings.redis_sentinel_service)
        return f"redis://{host}:{port}/0"
    return settings.redis_url if settings.profile is Profile.REDIS else None


async def master_of(settings: Settings, key: str) -> str:
    """On `cluster`: the URL of the master that holds `key`'s slot."""
    startup = [ClusterNode(host, port) for host, port in settings.redis_cluster_nodes]
    async with RedisCluster(startup_nodes=startup) as cluster:
        await cluster.initialize()
        node = cluster.get_node_from_key(key)
        assert node is not None
        return f"redis://{node.host}:{node.port}/0"


async def flush_redis(settings: Settings) -> bool:
    """Lose every key of the profile's Redis, as FLUSHALL would (False on `memory`)."""
    if settings.profile is Profile.CLUSTER:
        startup = [ClusterNode(host, port) for host, port in settings.redis_cluster_nodes]
        async with RedisCluster(startup_nodes=startup) as cluster:
            await cluster.flushall(target_nodes=RedisCluster.PRIMARIES)
        return True
    url = await asyncio.to_thread(redis_url, settings)
    if url is None:
        return False
    async with Redis.from_url(url) as client:
        await client.flushall()
    return True


@pytest.fixture
async def assembly(
    profile_settings: Settings, clock: ManualClock, secrets: ScriptedSecrets
) -> AsyncIterator[Assembly]:
    built = assemble(
        profile_settings, clock=clock, secret_source=secrets, sse_keepalive_seconds=0.05
    )
    try:
        yield built
    finally:
        await built.backends().shutdown()
        if profile_settings.profile is Profile.SENTINEL:
            collect_sentinel_leftovers()


Rebuild = Callable[..., Assembly]


@pytest.fixture
async def rebuild(
    profile_settings: Settings, clock: ManualClock, secrets: ScriptedSecrets
) -> AsyncIterator[Rebuild]:
    """Build another app on the same profile with some settings changed; closed at the end."""
    built: list[Assembly] = []

    def rebuild(*, sse_keepalive_seconds: float = 0.05, **changes: Any) -> Assembly:
        assembly = assemble(
            replace(profile_settings, **changes),
            clock=clock,
            secret_source=secrets,
            sse_keepalive_seconds=sse_keepalive_seconds,
        )
        built.append(assembly)
        return assembly

    yield rebuild
    for assembly in built:
        await assembly.backends().shutdown()


@pytest.fixture
def advance(profile_settings: Settings, clock: ManualClock) -> Advance:
    """Let time pass for the clock and, on `redis`, for every TTL in the server."""

    async def advance(seconds: float) -> None:
        clock.advance(seconds)
        if profile_settings.profile is Profile.CLUSTER:
            nodes = profile_settings.redis_cluster_nodes
            async with RedisCluster(startup_nodes=[ClusterNode(h, p) for h, p in nodes]) as cluster:
                await shift_ttls(cast(Redis, cluster), seconds)
            return
        url = await asyncio.to_thread(redis_url, profile_settings)
        if url is not None:
            async with Redis.from_url(url) as client:
                await shift_ttls(client, seconds)

    return advance


@pytest.fixture
async def api(assembly: Assembly) -> AsyncIterator[testing.ASGIConductor]:
    async with testing.ASGIConductor(assembly.app()) as conductor:
        yield conductor


def address_of(user_id: str) -> str:
    """A client address of the user's own: users log in from their own devices, so that the
    per-client issuance limit is met only by the tests that mean to meet it."""
    digest = hashlib.sha256(user_id.encode()).digest()
    return f"10.{digest[0]}.{digest[1]}.{digest[2]}"


async def login(api: testing.ASGIConductor, user_id: str = "alice") -> dict[str, str]:
    """Headers carrying a fresh session token of `user_id`."""
    issued = await api.simulate_post(
        "/otp", json={"user_id": user_id}, remote_addr=address_of(user_id)
    )
    assert issued.status_code == 201, issued.text
    verified = await api.simulate_post(
        "/otp/verify", json={"user_id": user_id, "code": issued.json["code"]}
    )
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json['token']}"}


def assert_problem(result: testing.Result, status: int, **members: Any) -> dict[str, Any]:
    """`result` is an RFC 9457 problem document with this status and these extra members."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = result.json
    assert document["type"] == "about:blank"
    assert document["title"] == HTTPStatus(status).phrase
    assert document["status"] == status
    assert isinstance(document["detail"], str)
    assert document["detail"]
    for name, value in members.items():
        assert document[name] == value, (name, document)
    return document


def error_fields(result: testing.Result) -> list[str]:
    document = assert_problem(result, 422)
    return [error["field"] for error in document["errors"]]
