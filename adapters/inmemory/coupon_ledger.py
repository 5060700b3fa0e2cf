"""In-memory `CouponLedger`: events by id, each with its coupons by user; what it issues goes
to an `InMemoryLedgerFeed` in the same step."""

from collections import Counter
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
    Stock,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.coupon_ledger import CouponLedger


@dataclass(slots=True)
class _Event:
    definition: CouponEvent | None
    """None while a restore has not put the definition back (claims see no event)."""
    coupons: dict[UserId, IssuedCoupon] = field(default_factory=dict)
    tokens: dict[UserId, str] = field(default_factory=dict)
    confirmed: set[UserId] = field(default_factory=set)
    numbers: Counter[int] = field(default_factory=Counter)
    """How many users hold each number (more than one only under `naive`)."""
    top: int = 0
    """The highest number held."""

    def stock(self) -> Stock:
        issued = len(self.coupons)
        dense = self.top <= issued
        number = issued + 1 if dense else 1
        while number in self.numbers:
            number += 1
        return Stock(issued=issued, next_number=number)

    def give(self, coupon: IssuedCoupon) -> None:
        self.take(coupon.user_id)
        self.coupons[coupon.user_id] = coupon
        self.numbers[coupon.coupon_id] += 1
        self.top = max(self.top, coupon.coupon_id)

    def take(self, user_id: UserId) -> None:
        """Take back the user's coupon, if any."""
        coupon = self.coupons.pop(user_id, None)
        self.tokens.pop(user_id, None)
        self.confirmed.discard(user_id)
        if coupon is not None:
            self.numbers[coupon.coupon_id] -= 1
            if not self.numbers[coupon.coupon_id]:
                del self.numbers[coupon.coupon_id]
                if coupon.coupon_id == self.top:
                    self.top = max(self.numbers, default=0)

    def held(self, user_id: UserId) -> AlreadyHeld | None:
        coupon = self.coupons.get(user_id)
        if coupon is None:
            return None
        return AlreadyHeld(
            coupon=coupon.coupon,
            claimed_at=coupon.claimed_at,
            archived=user_id in self.confirmed,
        )


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
        state = self._events.setdefault(event.id, _Event(None))
        if state.definition is None:
            state.definition = _defined(event)

    async def event(self, event_id: int) -> CouponEvent | None:
        await round_trip()
        state = self._events.get(event_id)
        if state is None or state.definition is None:
            return None
        definition = state.definition
        return CouponEvent(
            id=event_id,
            name=definition.name,
            quantity=definition.quantity,
            strategy=definition.strategy,
            issued=len(state.coupons),
        )

    async def event_ids(self) -> Sequence[int]:
        await round_trip()
        return sorted(self._events)

    async def claim_atomically(
        self, event_id: int, user_id: UserId, *, claim_token: str, claimed_at: datetime
    ) -> ClaimResult:
        await round_trip()
        state = self._events.get(event_id)
        if state is None or state.definition is None:
            return ClaimRefusal.NO_EVENT
        held = state.held(user_id)
        if held is not None:
            if state.tokens.get(user_id) == claim_token:
                return Claimed(coupon=held.coupon, issued=len(state.coupons))
            return held
        stock = state.stock()
        if stock.issued >= state.definition.quantity:
            return ClaimRefusal.SOLD_OUT
        issued = IssuedCoupon(
            event_id=event_id, coupon_id=stock.next_number, user_id=user_id, claimed_at=claimed_at
        )
        state.give(issued)
        state.tokens[user_id] = claim_token
        self._feed.append(issued)
        return Claimed(coupon=issued.coupon, issued=len(state.coupons))

    async def stock(self, event_id: int) -> Stock:
        await round_trip()
        state = self._events.get(event_id)
        return state.stock() if state is not None else Stock(issued=0, next_number=1)

    async def holder_coupon(self, event_id: int, user_id: UserId) -> AlreadyHeld | None:
        await round_trip()
        state = self._events.get(event_id)
        return state.held(user_id) if state is not None else None

    async def record(self, coupon: Coupon, *, claimed_at: datetime) -> ClaimResult:
        await round_trip()
        state = self._events.get(coupon.event_id)
        if state is None or state.definition is None:
            return ClaimRefusal.NO_EVENT
        held = state.held(coupon.user_id)
        if held is None:
            issued = IssuedCoupon(
                event_id=coupon.event_id,
                coupon_id=coupon.coupon_id,
                user_id=coupon.user_id,
                claimed_at=claimed_at,
            )
            state.give(issued)
            self._feed.append(issued)
        elif held.coupon.coupon_id != coupon.coupon_id:
            return held
        return Claimed(coupon=coupon, issued=len(state.coupons))

    async def confirm(self, coupon: Coupon) -> None:
        await round_trip()
        state = self._events.get(coupon.event_id)
        held = state.coupons.get(coupon.user_id) if state is not None else None
        if state is not None and held is not None and held.coupon_id == coupon.coupon_id:
            state.confirmed.add(coupon.user_id)

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
        state = self._events.setdefault(event.id, _Event(None))
        changed = 0
        for coupon in coupons:
            held = state.coupons.get(coupon.user_id)
            holds_it = held is not None and held.coupon_id == coupon.coupon_id
            if state.numbers[coupon.coupon_id] > holds_it:  # someone else holds the number
                for other, taken in list(state.coupons.items()):
                    if taken.coupon_id == coupon.coupon_id and other != coupon.user_id:
                        state.take(other)
                        changed += 1
            if not holds_it:
                state.give(coupon)
                changed += 1
            state.confirmed.add(coupon.user_id)
        if state.definition is None:
            state.definition = _defined(event)
        self._last_id = max(self._last_id, event.id)
        return changed

    def forget(self, event_id: int) -> None:
        """Lose an event and its coupons, as a flush would (tests inject drift with it)."""
        self._events.pop(event_id, None)


def _defined(event: CouponEvent) -> CouponEvent:
    return CouponEvent(
        id=event.id, name=event.name, quantity=event.quantity, strategy=event.strategy
    )
