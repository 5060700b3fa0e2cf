"""Redis `HealthProbe`: one `INFO memory` (on a cluster, one per master), which says whether
Redis answers and whether it is full (a PING where INFO is refused)."""

from collections.abc import Callable
from typing import Any

from redis import exceptions

from adapters.redis.client import RedisConnector
from domain.model.operations import Degraded
from ports.health import HealthProbe

MemoryReport = Callable[[int, int], None]
"""Where a probe reports what it read: used bytes, and `maxmemory` (0: no limit)."""


class RedisProbe(HealthProbe):
    """Ready when Redis answers; degraded when it is at its `maxmemory` under the `noeviction`
    policy, where it refuses every write (OOM) and still serves reads. Each check reports the
    memory it read through `on_memory` (the metrics).

    On a cluster each master fills on its own (its slots' keys): every master is read, a full
    one is named, and the metrics get the fullest (a cluster client's INFO reads one node)."""

    def __init__(self, connector: RedisConnector, *, on_memory: MemoryReport | None = None) -> None:
        self._connector = connector
        self._on_memory = on_memory

    async def check(self) -> Degraded | None:
        cluster = self._connector.cluster
        with self._connector.errors():
            if cluster is None:
                servers = [("", self._connector.client)]
            else:
                await cluster.client.initialize()  # the masters, once (a no-op afterwards)
                servers = [
                    (f"{node.host}:{node.port} ", cluster.nodes(node.host, int(node.port)))
                    for node in cluster.client.get_primaries()
                ]
            read = []
            for name, client in servers:
                try:
                    read.append((name, await client.info("memory")))
                except exceptions.ResponseError:
                    # NOTE: INFO refused (renamed or disabled on some managed Redis; fakeredis
                    # lacks it): whether Redis answers is all that can be known.
                    await client.ping()
        if not read:
            return None
        name, info = max(read, key=lambda found: _fullness(found[1]))
        used, limit = int(info["used_memory"]), int(info.get("maxmemory", 0))
        if self._on_memory is not None:
            self._on_memory(used, limit)
        if limit and used >= limit and info.get("maxmemory_policy") == "noeviction":
            return Degraded(
                f"full: {name}{_mb(used)} used of maxmemory {_mb(limit)} (noeviction): "
                "writes are refused"
            )
        return None


def _fullness(info: dict[str, Any]) -> float:
    """How full a server is, 0 to 1 (0 without a `maxmemory`)."""
    limit = int(info.get("maxmemory", 0))
    return int(info["used_memory"]) / limit if limit else 0.0


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
