"""`/usage`: acknowledged ingestion of usage records (Level 4)."""

import msgspec
from falcon.asgi import Request, Response

from adapters.http.messages.fields import Name
from adapters.http.messages.usage import UsageAccepted, UsageRecord, UsageStats
from adapters.http.routing import Auth, ok, operation
from domain.model.usage import UsageRecord as Record
from domain.usecases.usage import RecordUsage, ShowUsage


class UsageResource:
    """`POST /usage` answers 202 only once the store acknowledged the record."""

    def __init__(self, record: RecordUsage, show: ShowUsage) -> None:
        self._record = record
        self._show = show

    @operation("POST", "/usage", ok(202, "Stored", UsageAccepted), auth=Auth.INGEST)
    async def append(self, req: Request, resp: Response, *, body: UsageRecord) -> UsageAccepted:
        """Ingest a usage record; 202 only once the store acknowledged it.

        A source's data expires USAGE_RETENTION_SECONDS after its last record.
        """
        payload = None if body.payload is msgspec.UNSET else body.payload
        await self._record(Record(source=body.source, seq=body.seq, payload=payload))
        return UsageAccepted(body.source, body.seq)

    @operation("GET", "/usage/{source}", ok(200, "Counts", UsageStats))
    async def stats(self, req: Request, resp: Response, *, source: Name) -> UsageStats:
        """What a source sent."""
        stats = await self._show(source)
        return UsageStats(stats.source, stats.count, stats.distinct_seq)
