"""In-memory `UsageLog`: per source, a count and the set of sequence numbers seen."""

from dataclasses import dataclass, field

from adapters.inmemory.expiring import ExpiringMap
from adapters.inmemory.round_trip import round_trip
from domain.model.usage import UsageRecord, UsageStats
from ports.clock import Clock
from ports.usage_log import INGESTION_MEMORY_SECONDS, UsageLog


@dataclass(slots=True)
class _Source:
    count: int = 0
    seqs: set[int] = field(default_factory=set)


class InMemoryUsageLog(UsageLog):
    """Keeps the counts, not the payloads (nothing reads them back), and the ingestion ids
    applied lately."""

    def __init__(self, clock: Clock) -> None:
        self._sources: ExpiringMap[str, _Source] = ExpiringMap(clock)
        self._applied: ExpiringMap[str, bool] = ExpiringMap(clock)

    async def append(
        self, record: UsageRecord, *, ingestion_id: str, retention_seconds: int
    ) -> None:
        await round_trip()
        if self._applied.get(ingestion_id):
            return  # a retry of an append already stored
        self._applied.put(ingestion_id, True, ttl_seconds=INGESTION_MEMORY_SECONDS)
        source = self._sources.get(record.source) or _Source()
        source.count += 1
        source.seqs.add(record.seq)
        self._sources.put(record.source, source, ttl_seconds=retention_seconds)

    async def stats(self, source: str) -> UsageStats:
        await round_trip()
        seen = self._sources.get(source)
        if seen is None:
            return UsageStats(source=source, count=0, distinct_seq=0)
        return UsageStats(source=source, count=seen.count, distinct_seq=len(seen.seqs))
