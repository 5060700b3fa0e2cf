"""How domain values are written in Redis: JSON through orjson."""

from datetime import datetime
from typing import Any

import orjson

from domain.model.events import BusMessage
from domain.model.notices import Notice, NoticePage
from domain.model.paging import PageRequest


def text(value: bytes | str) -> str:
    """A reply as text: the client returns bytes (no `decode_responses`), typed loosely."""
    return value.decode() if isinstance(value, bytes) else value


def raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def encode_page(page: NoticePage) -> bytes:
    return orjson.dumps(
        {
            "limit": page.request.limit,
            "offset": page.request.offset,
            "total": page.total,
            "items": [[n.id, n.title, n.body, n.created_at.isoformat()] for n in page.items],
        }
    )


def decode_page(raw: bytes) -> NoticePage:
    data: dict[str, Any] = orjson.loads(raw)
    return NoticePage(
        request=PageRequest(limit=data["limit"], offset=data["offset"]),
        total=data["total"],
        items=tuple(
            Notice(id=id_, title=title, body=body, created_at=datetime.fromisoformat(created))
            for id_, title, body, created in data["items"]
        ),
    )


def encode_message(message: BusMessage) -> bytes:
    return orjson.dumps({"type": message.type, "payload": message.payload})


def decode_message(channel: str, raw: bytes) -> BusMessage:
    data: dict[str, Any] = orjson.loads(raw)
    return BusMessage(channel=channel, type=data["type"], payload=data["payload"])
