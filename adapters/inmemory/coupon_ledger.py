"""In-memory `CouponLedger`: events by id, each with its coupons by user; what it issues goes
to an `InMemoryLedgerFeed` in the same step."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from adapters.inmemory.ledger_feed import InMemoryLedgerFeed
from adapters.inmemory.round_trip import round_trip
from domain.model.coupons import (
    AlreadyHeld,
    Claimed,
    ClaimRefusal,
    ClaimResult,
    ClaimsPage,
    Coupon,
    CouponEvent,
    IssuedCoupon,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.coupon_ledger import CouponLedger


@dataclass(slots=True)
class _Event:
    definition: CouponEvent
    coupons: dict[UserId, IssuedCoupon] = field(default_factory=dict)
    tokens: dict[UserId, str] = field(default_factory=dict)


class InMemoryCouponLedger(CouponLedger):
    """`issued` is the number of users holding a coupon."""

    def __init__(self, feed: InMemoryLedgerFeed) -> None:
        self._feed = feed
        self._last_id = 0
        self._events: dict[int, _Event] = {}

    async def new_event_id(self) -> int:
        await round_trip()
        self._last_id += 1
        return self._last_id

    async def skip_event_ids(self, through: int) -> None:
        await round_trip()
        self._last_id = max(self._last_id, through)

    async def open(self, event: CouponEvent) -> None:
        await round_trip()
        self._events.setdefault(event.id, _Event(_defined(event)))

    async def event(self, event_id: int) -> CouponEvent | None:
        await round_trip()
        state = self._events.get(event_id)
        if state is None:
            return None
        definition = state.definition
        return CouponEvent(
            id=event_id,
            name=definition.name,
            quantity=definition.quantity,
            strategy=definition.strategy,
            issued=len(state.coupons),
        )

    async def claim_atomically(
        self, event_id: int, user_id: UserId, *, claim_token: str, claimed_at: datetime
    ) -> ClaimResult:
        await round_trip()
        state = self._events.get(event_id)
        if state is None:
            return ClaimRefusal.NO_EVENT
        held = state.coupons.get(user_id)
        if held is not None:
            if state.tokens.get(user_id) == claim_token:
                return Claimed(coupon=held.coupon, issued=len(state.coupons))
            return AlreadyHeld(coupon=held.coupon)
        if len(state.coupons) >= state.definition.quantity:
            return ClaimRefusal.SOLD_OUT
        issued = IssuedCoupon(
            event_id=event_id,
            coupon_id=len(state.coupons) + 1,
            user_id=user_id,
            claimed_at=claimed_at,
        )
        state.coupons[user_id] = issued
        state.tokens[user_id] = claim_token
        self._feed.append(issued)
        return Claimed(coupon=issued.coupon, issued=len(state.coupons))

    async def issued(self, event_id: int) -> int:
        await round_trip()
        state = self._events.get(event_id)
        return len(state.coupons) if state is not None else 0

    async def holder_coupon(self, event_id: int, user_id: UserId) -> Coupon | None:
        await round_trip()
        state = self._events.get(event_id)
        held = state.coupons.get(user_id) if state is not None else None
        return held.coupon if held is not None else None

    async def record(self, coupon: Coupon, *, claimed_at: datetime) -> int:
        await round_trip()
        coupons = self._events[coupon.event_id].coupons
        held = coupons.get(coupon.user_id)
        if held is None:
            held = coupons[coupon.user_id] = IssuedCoupon(
                event_id=coupon.event_id,
                coupon_id=coupon.coupon_id,
                user_id=coupon.user_id,
                claimed_at=claimed_at,
            )
            self._feed.append(held)
        return held.coupon_id

    async def claims(self, event_id: int, request: PageRequest) -> ClaimsPage:
        await round_trip()
        ordered = [coupon.coupon for coupon in self._ordered(event_id)]
        page = ordered[request.offset : request.offset + request.limit]
        return ClaimsPage(total=len(ordered), items=tuple(page))

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]:
        await round_trip()
        return self._ordered(event_id)

    def _ordered(self, event_id: int) -> list[IssuedCoupon]:
        state = self._events.get(event_id)
        if state is None:
            return []
        return sorted(state.coupons.values(), key=lambda c: (c.coupon_id, c.user_id))

    async def restore(self, event: CouponEvent, coupons: Sequence[IssuedCoupon]) -> int:
        await round_trip()
        state = self._events.setdefault(event.id, _Event(_defined(event)))
        self._last_id = max(self._last_id, event.id)
        restored = 0
        for coupon in coupons:
            if coupon.user_id not in state.coupons:
                state.coupons[coupon.user_id] = coupon
                restored += 1
        return restored

    def forget(self, event_id: int) -> None:
        """Lose an event and its coupons, as a flush would (tests inject drift with it)."""
        self._events.pop(event_id, None)


def _defined(event: CouponEvent) -> CouponEvent:
    return CouponEvent(
        id=event.id, name=event.name, quantity=event.quantity, strategy=event.strategy
    )
