"""In-memory `SearchHistory`: a short tuple of terms per user."""

from adapters.inmemory.expiring import ExpiringMap
from adapters.inmemory.round_trip import round_trip
from domain.model.identity import UserId
from ports.clock import Clock
from ports.search_history import SearchHistory


class InMemorySearchHistory(SearchHistory):
    """Newest first; recording moves a known term to the front."""

    def __init__(self, clock: Clock) -> None:
        self._histories: ExpiringMap[UserId, tuple[str, ...]] = ExpiringMap(clock)

    async def record(
        self, user_id: UserId, term: str, *, keep: int, ttl_seconds: int
    ) -> tuple[str, ...]:
        await round_trip()
        earlier = self._histories.get(user_id) or ()
        history = (term, *(t for t in earlier if t != term))[:keep]
        self._histories.put(user_id, history, ttl_seconds=ttl_seconds)
        return history

    async def recent(self, user_id: UserId) -> tuple[str, ...]:
        await round_trip()
        return self._histories.get(user_id) or ()
