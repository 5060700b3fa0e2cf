"""Coupon events: a fixed quantity of coupons, one per user, claimed under a chosen strategy;
and the ledger of issued coupons that makes every one of them durable."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.model.identity import UserId


class ClaimStrategy(StrEnum):
    """How claims are serialised: one atomic step, a distributed lock, or nothing (racy)."""

    ATOMIC = "atomic"
    LOCK = "lock"
    NAIVE = "naive"


@dataclass(frozen=True, slots=True, kw_only=True)
class CouponEventDraft:
    """A coupon event as created, before the ledger gives it an id."""

    name: str
    quantity: int
    strategy: ClaimStrategy

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError("a coupon event offers at least one coupon")


@dataclass(frozen=True, slots=True, kw_only=True)
class CouponEvent:
    """A coupon event and how many of its coupons have been issued so far."""

    id: int
    name: str
    quantity: int
    strategy: ClaimStrategy
    issued: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.issued)


@dataclass(frozen=True, slots=True, kw_only=True)
class Coupon:
    """A coupon held by a user. `coupon_id` is its number within the event, from 1."""

    event_id: int
    coupon_id: int
    user_id: UserId


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimsPage:
    """One page of an event's coupons in the order they were claimed, and how many in all."""

    total: int
    items: tuple[Coupon, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedCoupon:
    """A coupon as the ledger keeps it: who got which number of which event, and when."""

    event_id: int
    coupon_id: int
    user_id: UserId
    claimed_at: datetime

    @property
    def coupon(self) -> Coupon:
        return Coupon(event_id=self.event_id, coupon_id=self.coupon_id, user_id=self.user_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    """The claim was granted; `issued` counts this coupon too."""

    coupon: Coupon
    issued: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AlreadyHeld:
    """The user holds a coupon of this event already: this one, claimed at `claimed_at`.
    `archived`: the live ledger knows the archive holds it (a refusal may name it at once);
    otherwise it may still be on its way there."""

    coupon: Coupon
    claimed_at: datetime
    archived: bool = False

    @property
    def issue(self) -> IssuedCoupon:
        coupon = self.coupon
        return IssuedCoupon(
            event_id=coupon.event_id,
            coupon_id=coupon.coupon_id,
            user_id=coupon.user_id,
            claimed_at=self.claimed_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Stock:
    """An event's stock as the live ledger holds it: `issued` coupons, and `next_number`, the
    lowest coupon number nobody holds (numbers lost with a store and restored from the
    archive can leave gaps below the count: those are given out first)."""

    issued: int
    next_number: int


class ClaimRefusal(StrEnum):
    """Why an atomic claim was refused, other than the user holding a coupon already."""

    SOLD_OUT = "sold_out"
    NO_EVENT = "no_event"


ClaimResult = Claimed | AlreadyHeld | ClaimRefusal


class ClaimOutcome(StrEnum):
    """How a claim ended, as the metrics count it."""

    CLAIMED = "claimed"
    ALREADY_CLAIMED = "already_claimed"
    SOLD_OUT = "sold_out"
    NOT_FOUND = "not_found"
    LOCK_BUSY = "lock_busy"
    NUMBER_TAKEN = "number_taken"
    UNAVAILABLE = "unavailable"
