"""In-memory `CouponLedger`: events by id, each with its coupons by user."""

import itertools
from dataclasses import dataclass, field

from adapters.inmemory.round_trip import round_trip
from domain.model.coupons import (
    Claimed,
    ClaimRefusal,
    ClaimResult,
    ClaimsPage,
    Coupon,
    CouponEvent,
    CouponEventDraft,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.coupon_ledger import CouponLedger


@dataclass(slots=True)
class _Event:
    definition: CouponEvent
    coupons: dict[UserId, Coupon] = field(default_factory=dict)
    tokens: dict[UserId, str] = field(default_factory=dict)


class InMemoryCouponLedger(CouponLedger):
    """`issued` is the number of users holding a coupon."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._events: dict[int, _Event] = {}

    async def create(self, draft: CouponEventDraft) -> CouponEvent:
        await round_trip()
        event = CouponEvent(
            id=next(self._ids), name=draft.name, quantity=draft.quantity, strategy=draft.strategy
        )
        self._events[event.id] = _Event(event)
        return event

    async def event(self, event_id: int) -> CouponEvent | None:
        await round_trip()
        state = self._events.get(event_id)
        if state is None:
            return None
        return CouponEvent(
            id=event_id,
            name=state.definition.name,
            quantity=state.definition.quantity,
            strategy=state.definition.strategy,
            issued=len(state.coupons),
        )

    async def claim_atomically(
        self, event: CouponEvent, user_id: UserId, *, claim_token: str
    ) -> ClaimResult:
        await round_trip()
        state = self._events[event.id]
        held = state.coupons.get(user_id)
        if held is not None:
            if state.tokens.get(user_id) == claim_token:
                return Claimed(coupon=held, issued=len(state.coupons))
            return ClaimRefusal.ALREADY_CLAIMED
        if len(state.coupons) >= state.definition.quantity:
            return ClaimRefusal.SOLD_OUT
        coupon = Coupon(event_id=event.id, coupon_id=len(state.coupons) + 1, user_id=user_id)
        state.coupons[user_id] = coupon
        state.tokens[user_id] = claim_token
        return Claimed(coupon=coupon, issued=len(state.coupons))

    async def issued(self, event_id: int) -> int:
        await round_trip()
        state = self._events.get(event_id)
        return len(state.coupons) if state is not None else 0

    async def holder_coupon(self, event_id: int, user_id: UserId) -> Coupon | None:
        await round_trip()
        state = self._events.get(event_id)
        return state.coupons.get(user_id) if state is not None else None

    async def record(self, coupon: Coupon) -> bool:
        await round_trip()
        coupons = self._events[coupon.event_id].coupons
        held = coupons.setdefault(coupon.user_id, coupon)
        return held == coupon

    async def claims(self, event_id: int, request: PageRequest) -> ClaimsPage:
        await round_trip()
        state = self._events.get(event_id)
        if state is None:
            return ClaimsPage(total=0, items=())
        ordered = sorted(state.coupons.values(), key=lambda c: (c.coupon_id, c.user_id))
        page = ordered[request.offset : request.offset + request.limit]
        return ClaimsPage(total=len(ordered), items=tuple(page))
