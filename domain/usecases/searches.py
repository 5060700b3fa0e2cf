"""Search history use-cases: record a term, show the latest terms."""

from domain.model.identity import UserId
from domain.model.searches import HISTORY_SIZE, HISTORY_TTL_SECONDS
from ports.search_history import SearchHistory


class RecordSearch:
    """Put a term first in the user's history (moving it if present), keep the latest 5."""

    def __init__(self, history: SearchHistory) -> None:
        self._history = history

    async def __call__(self, user_id: UserId, term: str) -> tuple[str, ...]:
        return await self._history.record(
            user_id, term, keep=HISTORY_SIZE, ttl_seconds=HISTORY_TTL_SECONDS
        )


class RecentSearches:
    """The user's latest distinct terms, newest first."""

    def __init__(self, history: SearchHistory) -> None:
        self._history = history

    async def __call__(self, user_id: UserId) -> tuple[str, ...]:
        return await self._history.recent(user_id)
