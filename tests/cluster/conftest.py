"""The Redis adapters' client on the session's cluster, every acknowledged write waiting for
a replica of its node; the cluster healed afterwards (a test may kill a master)."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.redis.client import RedisConnector, connect_to_cluster
from adapters.redis.scripts import Durability
from tests.support.cluster import ClusterTopology


@pytest.fixture
async def connector(redis_cluster: ClusterTopology) -> AsyncIterator[RedisConnector]:
    await asyncio.to_thread(redis_cluster.flush)
    connector = RedisConnector(
        connect_to_cluster(redis_cluster.nodes, deadline_seconds=2),
        durability=Durability(replicas=1, timeout_ms=1000),
    )
    yield connector
    await connector.close()
    await asyncio.to_thread(redis_cluster.run, "revive")
    await asyncio.to_thread(redis_cluster.run, "wait-healthy", "60")
