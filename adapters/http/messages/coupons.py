"""Bodies of `/coupon-events`: an event as opened and as it stands, coupons, claims."""

from collections.abc import Sequence
from typing import Annotated, Literal, Self

from msgspec import Meta, Struct

import domain.model.coupons as model
from adapters.http.messages.fields import Count, Id, Timestamp, UserId, free_text, rfc3339, trim

EventName = Annotated[str, free_text(100)]
Quantity = Annotated[int, Meta(ge=1, le=1_000_000)]
Strategy = Literal["atomic", "lock", "naive"]
CouponNumber = Annotated[int, Meta(ge=1, description="The coupon's number within its event")]


class CouponEventDraft(Struct, forbid_unknown_fields=True):
    """A coupon event to open: `quantity` coupons, one per user, claimed under `strategy`."""

    name: EventName
    quantity: Quantity
    strategy: Strategy = "atomic"

    def to_domain(self) -> model.CouponEventDraft:
        return model.CouponEventDraft(
            name=trim(self.name),
            quantity=self.quantity,
            strategy=model.ClaimStrategy(self.strategy),
        )


class CouponEvent(Struct):
    """A coupon event and how many of its coupons are issued."""

    id: Id
    name: str
    quantity: Quantity
    strategy: Strategy
    issued: Count
    remaining: Count

    @classmethod
    def of(cls, event: model.CouponEvent) -> Self:
        return cls(
            event.id,
            event.name,
            event.quantity,
            event.strategy.value,
            event.issued,
            event.remaining,
        )


class Coupon(Struct):
    """A coupon granted to a user."""

    coupon_id: CouponNumber
    event_id: Id
    user_id: UserId

    @classmethod
    def of(cls, coupon: model.Coupon) -> Self:
        return cls(coupon.coupon_id, coupon.event_id, coupon.user_id)


class Claim(Struct):
    """Who holds which coupon of an event."""

    user_id: UserId
    coupon_id: CouponNumber


class Claims(Struct):
    """A page of an event's coupons in claim order, and how many in all."""

    total: Count
    items: list[Claim]

    @classmethod
    def of(cls, page: model.ClaimsPage) -> Self:
        return cls(page.total, [Claim(c.user_id, c.coupon_id) for c in page.items])


class HeldCoupon(Struct):
    """A coupon the caller holds, and when it was claimed."""

    event_id: Id
    coupon_id: CouponNumber
    claimed_at: Timestamp


class MyCoupons(Struct):
    """The caller's coupons, newest claim first, as archived by the ledger worker (a coupon
    appears milliseconds after its claim normally; later while the archive is down)."""

    items: list[HeldCoupon]

    @classmethod
    def of(cls, coupons: Sequence[model.IssuedCoupon]) -> Self:
        return cls([HeldCoupon(c.event_id, c.coupon_id, rfc3339(c.claimed_at)) for c in coupons])
