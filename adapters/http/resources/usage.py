"""`/usage`: acknowledged ingestion of usage records (Level 4)."""

import falcon.asgi

from adapters.http.requests import json_fields, path_value
from adapters.http.responses import send_json
from domain.model.rules import NAME, AnyObject
from domain.model.usage import SEQ, UsageRecord
from domain.usecases.usage import RecordUsage, ShowUsage


class UsageResource:
    """`POST /usage` answers 202 only once the store acknowledged the record."""

    def __init__(self, record: RecordUsage, show: ShowUsage) -> None:
        self._record = record
        self._show = show

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        with await json_fields(req) as fields:
            source = fields.required("source", NAME)
            seq = fields.required("seq", SEQ)
            payload = fields.optional("payload", AnyObject(), None)
        await self._record(UsageRecord(source=source, seq=seq, payload=payload))
        send_json(resp, {"source": source, "seq": seq}, status=202)

    async def on_get_source(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, source: str
    ) -> None:
        stats = await self._show(path_value("source", source, NAME))
        send_json(
            resp, {"source": stats.source, "count": stats.count, "distinct_seq": stats.distinct_seq}
        )
