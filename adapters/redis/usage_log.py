"""Redis `UsageLog`: a counter and a set of sequence numbers per source, written together."""

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from domain.model.usage import UsageRecord, UsageStats
from ports.usage_log import INGESTION_MEMORY_SECONDS, UsageLog


class RedisUsageLog(UsageLog):
    """`usage_append.lua`: a marker per ingestion id (SET NX PX), then INCR + SADD and the
    retention (PEXPIRE on both), in one script: `append` returns once Redis stored all of it,
    and a re-sent call stores nothing."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client
        self._append = connector.acknowledged("usage_append")

    async def append(
        self, record: UsageRecord, *, ingestion_id: str, retention_seconds: int
    ) -> None:
        source = record.source
        with self._connector.errors():
            await self._append(
                keys=[
                    keys.usage_count(source),
                    keys.usage_seqs(source),
                    keys.usage_ingestion(source, ingestion_id),
                ],
                args=[record.seq, INGESTION_MEMORY_SECONDS * 1000, retention_seconds * 1000],
            )

    async def stats(self, source: str) -> UsageStats:
        with self._connector.errors():
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.get(keys.usage_count(source))
                transaction.scard(keys.usage_seqs(source))
                count, distinct = await transaction.execute()
        return UsageStats(source=source, count=int(count or 0), distinct_seq=int(distinct))
