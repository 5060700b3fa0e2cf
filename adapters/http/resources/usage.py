"""`/usage`: acknowledged ingestion of usage records (Level 4)."""

from typing import Final

import falcon.asgi
import msgspec

from adapters.http.messages.fields import Name
from adapters.http.messages.usage import UsageAccepted, UsageRecord, UsageStats
from adapters.http.routing import Auth, Operation, Route, ok
from domain.model.usage import UsageRecord as Record
from domain.usecases.usage import RecordUsage, ShowUsage


class UsageResource:
    """`POST /usage` answers 202 only once the store acknowledged the record."""

    def __init__(self, record: RecordUsage, show: ShowUsage) -> None:
        self._record = record
        self._show = show

    async def append(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, body: UsageRecord
    ) -> UsageAccepted:
        payload = None if body.payload is msgspec.UNSET else body.payload
        await self._record(Record(source=body.source, seq=body.seq, payload=payload))
        return UsageAccepted(body.source, body.seq)

    async def stats(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, source: str
    ) -> UsageStats:
        stats = await self._show(source)
        return UsageStats(stats.source, stats.count, stats.distinct_seq)


ROUTES: Final = (
    Route(
        path="/usage",
        resource=UsageResource,
        operations=(
            Operation(
                method="POST",
                handler=UsageResource.append,
                summary="Ingest a usage record; 202 only once the store acknowledged it",
                description="A source's data expires USAGE_RETENTION_SECONDS after its last "
                "record.",
                reply=ok(202, "Stored", UsageAccepted),
                body=UsageRecord,
                auth=Auth.INGEST,
            ),
        ),
    ),
    Route(
        path="/usage/{source}",
        resource=UsageResource,
        params={"source": Name},
        operations=(
            Operation(
                method="GET",
                handler=UsageResource.stats,
                summary="What a source sent",
                reply=ok(200, "Counts", UsageStats),
            ),
        ),
    ),
)
