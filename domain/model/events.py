"""Messages on the event bus, where each sits in its channel's history, and the domain events
the use-cases announce."""

import re
from dataclasses import dataclass
from typing import ClassVar, Final

from domain.model.notices import Notice
from domain.model.payloads import JsonObject

NOTICES_CHANNEL = "notices"
COUPONS_CHANNEL = "coupons"


@dataclass(frozen=True, slots=True, kw_only=True)
class BusMessage:
    """A message published on `channel`: its `type` and a JSON object `payload`."""

    channel: str
    type: str
    payload: JsonObject


_EVENT_ID: Final = re.compile(r"([0-9]{1,15})-([0-9]{1,15})")


@dataclass(frozen=True, slots=True, order=True)
class EventId:
    """Where an event sits in its channel's history, written `<milliseconds>-<sequence>` (the
    form of a Redis Stream entry id). The ids of one channel only grow: ordering them is
    ordering the events. `EventId.ORIGIN` (0-0) comes before every event."""

    millis: int
    sequence: int

    ORIGIN: ClassVar["EventId"]  # 0-0, set below the class

    @classmethod
    def parse(cls, text: str) -> "EventId":
        """`<milliseconds>-<sequence>`, each 1 to 15 digits; `ValueError` otherwise."""
        match = _EVENT_ID.fullmatch(text)
        if match is None:
            raise ValueError(f"not an event id: {text[:40]!r}")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.millis}-{self.sequence}"


EventId.ORIGIN = EventId(0, 0)


@dataclass(frozen=True, slots=True)
class ChannelEvent:
    """A message as its channel's history keeps it: with its id."""

    id: EventId
    message: BusMessage


@dataclass(frozen=True, slots=True)
class HistoryGap:
    """Events a subscriber asked for are no longer kept (or the history was lost): it cannot be
    brought up to date and must start over from `latest`, the newest event kept (None: none)."""

    latest: EventId | None


@dataclass(frozen=True, slots=True)
class NoticePosted:
    """A notice was published (`notice.created` on the `notices` channel)."""

    notice: Notice


@dataclass(frozen=True, slots=True)
class CouponsSoldOut:
    """The last coupon of an event was issued (`coupon.sold_out` on the `coupons` channel)."""

    event_id: int
    quantity: int


DomainEvent = NoticePosted | CouponsSoldOut
