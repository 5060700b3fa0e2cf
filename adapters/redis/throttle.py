"""Redis `Throttle`: a counter per key and window, checked and counted by one script."""

import math

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from domain.model.throttling import Admission, Admitted, Throttled
from ports.throttle import Throttle


class RedisThrottle(Throttle):
    """`throttle_admit.lua`: GET, compare, then SET PX (first) or INCR, atomically."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._admit = connector.script("throttle_admit")

    async def admit(self, key: str, *, limit: int, window_seconds: int) -> Admission:
        with self._connector.errors():
            result = await self._admit(
                keys=[keys.throttle(key)], args=[limit, window_seconds * 1000]
            )
        if result[0] == 1:
            return Admitted()
        return Throttled(max(1, math.ceil(int(result[1]) / 1000)))
