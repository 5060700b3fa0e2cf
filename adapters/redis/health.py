"""Redis `HealthProbe`: one `INFO memory`, which says whether Redis answers and whether it is
full (a PING where INFO is refused)."""

from collections.abc import Callable

from redis import exceptions

from adapters.redis.client import RedisConnector
from domain.model.operations import Degraded
from ports.health import HealthProbe

MemoryReport = Callable[[int, int], None]
"""Where a probe reports what it read: used bytes, and `maxmemory` (0: no limit)."""


class RedisProbe(HealthProbe):
    """Ready when Redis answers; degraded when it is at its `maxmemory` under the `noeviction`
    policy, where it refuses every write (OOM) and still serves reads. Each check reports the
    memory it read through `on_memory` (the metrics)."""

    def __init__(self, connector: RedisConnector, *, on_memory: MemoryReport | None = None) -> None:
        self._connector = connector
        self._on_memory = on_memory

    async def check(self) -> Degraded | None:
        client = self._connector.client
        with self._connector.errors():
            try:
                info = await client.info("memory")
            except exceptions.ResponseError:
                # NOTE: INFO refused (renamed or disabled on some managed Redis; fakeredis
                # lacks it): whether Redis answers is all that can be known.
                await client.ping()
                return None
        used, limit = int(info["used_memory"]), int(info.get("maxmemory", 0))
        if self._on_memory is not None:
            self._on_memory(used, limit)
        if limit and used >= limit and info.get("maxmemory_policy") == "noeviction":
            return Degraded(
                f"full: {_mb(used)} used of maxmemory {_mb(limit)} (noeviction): writes are refused"
            )
        return None


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
