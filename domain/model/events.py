"""Messages on the event bus, and the domain events the use-cases announce."""

from dataclasses import dataclass

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
