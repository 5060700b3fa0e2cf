"""Redis `HealthProbe`: one PING."""

from adapters.redis.client import RedisConnector
from ports.health import HealthProbe


class RedisProbe(HealthProbe):
    """Ready when Redis answers PING."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector

    async def check(self) -> None:
        with self._connector.errors():
            await self._connector.client.ping()
