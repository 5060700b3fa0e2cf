"""Messages on the event bus, and the domain events the use-cases announce."""

from dataclasses import dataclass

from domain.model.rules import JsonObject, Text

EVENT_TYPE = Text(
    1, 64, pattern=r"[^\x00-\x1f\x7f]+", pattern_hint="1-64 characters without control characters"
)
"""No control characters: the type becomes an SSE `event:` line, where a newline would forge
fields."""

NOTICES_CHANNEL = "notices"
COUPONS_CHANNEL = "coupons"


@dataclass(frozen=True, slots=True, kw_only=True)
class BusMessage:
    """A message published on `channel`: its `type` and a JSON object `payload`."""

    channel: str
    type: str
    payload: JsonObject
