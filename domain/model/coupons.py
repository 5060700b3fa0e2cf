"""Coupon events: a fixed quantity of coupons, one per user, claimed under a chosen strategy."""

from dataclasses import dataclass
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
class Claimed:
    """The claim was granted; `issued` counts this coupon too."""

    coupon: Coupon
    issued: int


class ClaimRefusal(StrEnum):
    """Why an atomic claim was refused."""

    ALREADY_CLAIMED = "already_claimed"
    SOLD_OUT = "sold_out"


ClaimResult = Claimed | ClaimRefusal
