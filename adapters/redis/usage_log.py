"""Redis `UsageLog`: a counter and a set of sequence numbers per source, written together."""

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from domain.model.usage import UsageRecord, UsageStats
from ports.usage_log import UsageLog


class RedisUsageLog(UsageLog):
    """INCR + SADD in one MULTI: `append` returns once Redis acknowledged both. A retried
    append counts again in `count` and not in `distinct_seq`, as the contract says."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client

    async def append(self, record: UsageRecord) -> None:
        with self._connector.errors():
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.incr(keys.usage_count(record.source))
                transaction.sadd(keys.usage_seqs(record.source), record.seq)
                await transaction.execute()

    async def stats(self, source: str) -> UsageStats:
        with self._connector.errors():
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.get(keys.usage_count(source))
                transaction.scard(keys.usage_seqs(source))
                count, distinct = await transaction.execute()
        return UsageStats(source=source, count=int(count or 0), distinct_seq=int(distinct))
