"""In-memory `Throttle`: a count per key that expires with its window."""

import math

from adapters.inmemory.expiring import ExpiringMap
from adapters.inmemory.round_trip import round_trip
from domain.model.throttling import Admission, Admitted, Throttled
from ports.clock import Clock
from ports.throttle import Throttle


class InMemoryThrottle(Throttle):
    """Counts live `window_seconds` from the first admission, on the injected clock."""

    def __init__(self, clock: Clock) -> None:
        self._counts: ExpiringMap[str, int] = ExpiringMap(clock)

    async def admit(self, key: str, *, limit: int, window_seconds: int) -> Admission:
        await round_trip()
        count = self._counts.get(key)
        if count is None:
            self._counts.put(key, 1, ttl_seconds=window_seconds)
        elif count >= limit:
            return Throttled(max(1, math.ceil(self._counts.remaining_seconds(key) or 0.0)))
        else:
            self._counts.replace(key, count + 1)
        return Admitted()
