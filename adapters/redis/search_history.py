"""Redis `SearchHistory`: a capped list per user, changed in one MULTI."""

from adapters.redis import codecs, keys
from adapters.redis.client import RedisConnector
from domain.model.identity import UserId
from ports.search_history import SearchHistory


class RedisSearchHistory(SearchHistory):
    """LREM + LPUSH + LTRIM + EXPIRE + LRANGE in one transaction: no reader ever sees a
    duplicate or more than `keep` terms, and a retry gives the same list."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client

    async def record(
        self, user_id: UserId, term: str, *, keep: int, ttl_seconds: int
    ) -> tuple[str, ...]:
        key = keys.search_history(user_id)
        with self._connector.errors():
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.lrem(key, 0, term)
                transaction.lpush(key, term)
                transaction.ltrim(key, 0, keep - 1)
                transaction.expire(key, ttl_seconds)
                transaction.lrange(key, 0, -1)
                *_, terms = await transaction.execute()
        return tuple(codecs.text(term) for term in terms)

    async def recent(self, user_id: UserId) -> tuple[str, ...]:
        with self._connector.errors():
            terms = await self._redis.lrange(keys.search_history(user_id), 0, -1)
        return tuple(codecs.text(term) for term in terms)
