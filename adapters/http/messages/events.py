"""Bodies of `/events`: a message to publish, its receipt, the stream's channel query."""

from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

import domain.model.events as model
from adapters.http.messages.fields import Id, Name
from adapters.http.messages.notices import Notice
from domain.model.events import (
    COUPONS_CHANNEL,
    NOTICES_CHANNEL,
    BusMessage,
    DomainEvent,
    NoticePosted,
)

EventType = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern="^[^\\u0000-\\u001f\\u007f]+$(?!\\n)",
        description="1-64 characters without control characters (it becomes an SSE `event:` "
        "line, where a newline would forge fields)",
    ),
]
JsonPayload = Annotated[
    dict[str, Any],
    Meta(description="Any JSON object nested at most 32 levels deep"),
]


class EventMessage(Struct, forbid_unknown_fields=True):
    """A message to publish: its `type` and a JSON object `payload`."""

    type: EventType
    payload: JsonPayload


class Published(Struct):
    """The bus accepted the message."""

    channel: Name
    type: str


class StreamQuery(Struct):
    """The channel to follow."""

    channel: Name


LastEventId = Annotated[
    str,
    Meta(
        description="The `id:` of the last event the client received (`<ms>-<sequence>`); "
        "empty for none. Never refused (a browser's EventSource gives up on any status but "
        "200): a value that is not an event the channel's history still keeps starts the "
        "stream with `event: reset`",
    ),
]


class StreamHeaders(Struct):
    """Where a reconnecting client left off (EventSource sends it by itself)."""

    last_event_id: LastEventId = msgspec.field(default="", name="Last-Event-ID")


class StreamEvent(Struct):
    """One event of the stream, as EventSource parses it (comments and the `retry:` field
    carry no data and are not events)."""

    id: Annotated[
        str,
        Meta(
            pattern="^[0-9]{1,15}-[0-9]{1,15}$",
            description="Where the event sits in its channel's history: send it back as "
            "`Last-Event-ID` to resume after it",
        ),
    ]
    event: Annotated[str, Meta(description="The message's `type`, or `reset`")]
    data: Annotated[
        str,
        Meta(description='The message\'s `payload` as JSON; for `reset`, `{"reason": "gap"}`'),
    ]


class Reset(Struct):
    """The data of `event: reset`: events the client missed are no longer kept."""

    reason: str


class CouponsSoldOut(Struct):
    """The payload of `coupon.sold_out`."""

    event_id: Id
    quantity: int


def bus_message(event: DomainEvent) -> BusMessage:
    """A domain event in the API's wire form: stream clients read the JSON the routes serve."""
    match event:
        case NoticePosted(notice=notice):
            return _message(NOTICES_CHANNEL, "notice.created", Notice.of(notice))
        case model.CouponsSoldOut(event_id=event_id, quantity=quantity):
            return _message(COUPONS_CHANNEL, "coupon.sold_out", CouponsSoldOut(event_id, quantity))


def _message(channel: str, type_: str, payload: Struct) -> BusMessage:
    return BusMessage(channel=channel, type=type_, payload=msgspec.to_builtins(payload))
