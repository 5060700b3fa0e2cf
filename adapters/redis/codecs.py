"""How domain values are written in Redis: JSON through msgspec, with typed shapes. (Cached
pages are stored as clients read them, rendered by the HTTP edge: see `RedisCache`.)"""

from typing import Any, cast

import msgspec

from domain.model.events import BusMessage
from domain.model.payloads import JsonObject


class _StoredMessage(msgspec.Struct):
    type: str
    payload: dict[str, Any]  # any JSON object: msgspec cannot resolve the recursive alias


_message_decoder = msgspec.json.Decoder(_StoredMessage)


def text(value: bytes | str) -> str:
    """A reply as text: the client returns bytes (no `decode_responses`), typed loosely."""
    return value.decode() if isinstance(value, bytes) else value


def raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def encode_message(message: BusMessage) -> bytes:
    return msgspec.json.encode(_StoredMessage(message.type, message.payload))


def decode_message(channel: str, raw: bytes) -> BusMessage:
    stored = _message_decoder.decode(raw)
    return BusMessage(channel=channel, type=stored.type, payload=cast(JsonObject, stored.payload))
