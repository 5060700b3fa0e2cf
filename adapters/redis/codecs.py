"""How domain values are written in Redis: JSON through msgspec, with typed shapes."""

from datetime import datetime
from typing import Any, cast

import msgspec

from domain.model.events import BusMessage
from domain.model.notices import Notice, NoticePage
from domain.model.paging import PageRequest
from domain.model.payloads import JsonObject


class _StoredPage(msgspec.Struct, array_like=True):
    """A page as cached: compact (arrays, not objects), and decoded in one typed pass."""

    limit: int
    offset: int
    total: int
    items: list[tuple[int, str, str, datetime]]


class _StoredMessage(msgspec.Struct):
    type: str
    payload: dict[str, Any]  # any JSON object: msgspec cannot resolve the recursive alias


_page_decoder = msgspec.json.Decoder(_StoredPage)
_message_decoder = msgspec.json.Decoder(_StoredMessage)


def text(value: bytes | str) -> str:
    """A reply as text: the client returns bytes (no `decode_responses`), typed loosely."""
    return value.decode() if isinstance(value, bytes) else value


def raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def encode_page(page: NoticePage) -> bytes:
    items = [(n.id, n.title, n.body, n.created_at) for n in page.items]
    return msgspec.json.encode(
        _StoredPage(page.request.limit, page.request.offset, page.total, items)
    )


def decode_page(raw: bytes) -> NoticePage:
    stored = _page_decoder.decode(raw)
    return NoticePage(
        request=PageRequest(limit=stored.limit, offset=stored.offset),
        total=stored.total,
        items=tuple(
            Notice(id=id_, title=title, body=body, created_at=created)
            for id_, title, body, created in stored.items
        ),
    )


def encode_message(message: BusMessage) -> bytes:
    return msgspec.json.encode(_StoredMessage(message.type, message.payload))


def decode_message(channel: str, raw: bytes) -> BusMessage:
    stored = _message_decoder.decode(raw)
    return BusMessage(channel=channel, type=stored.type, payload=cast(JsonObject, stored.payload))
