"""The `cluster` profile: the `redis` profile's adapters on a Redis Cluster
(`REDIS_CLUSTER_NODES`): every key that one call touches carries the same hash tag, so each
script, transaction and write with its WAIT runs on the one node that owns the slot."""

from dependency_injector import providers

from adapters.redis.client import ClusterClients, connect_to_cluster
from composition.profiles.redis import RedisAdapters
from composition.settings import Settings

NODE_POOL_FACTOR = 4
"""Each node's pool is this many times the pool a single server would get: a burst may land on
one node, and commands past the pool wait their turn (`AdmittedCluster`)."""


def cluster_client(settings: Settings, max_connections: int) -> ClusterClients:
    return connect_to_cluster(
        settings.redis_cluster_nodes,
        deadline_seconds=settings.request_deadline_seconds,
        max_connections=max_connections * NODE_POOL_FACTOR,
    )


def adapters(**dependencies: object) -> RedisAdapters:
    return RedisAdapters(connect=providers.Object(cluster_client), **dependencies)
