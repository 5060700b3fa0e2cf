"""In-memory `UsageLog`: per source, a count and the set of sequence numbers seen."""

from dataclasses import dataclass, field

from adapters.inmemory.round_trip import round_trip
from domain.model.usage import UsageRecord, UsageStats
from ports.usage_log import UsageLog


@dataclass(slots=True)
class _Source:
    count: int = 0
    seqs: set[int] = field(default_factory=set)


class InMemoryUsageLog(UsageLog):
    """Keeps the counts, not the payloads: nothing here reads them back."""

    def __init__(self) -> None:
        self._sources: dict[str, _Source] = {}

    async def append(self, record: UsageRecord) -> None:
        await round_trip()
        source = self._sources.setdefault(record.source, _Source())
        source.count += 1
        source.seqs.add(record.seq)

    async def stats(self, source: str) -> UsageStats:
        await round_trip()
        seen = self._sources.get(source)
        if seen is None:
            return UsageStats(source=source, count=0, distinct_seq=0)
        return UsageStats(source=source, count=seen.count, distinct_seq=len(seen.seqs))
