"""In-memory `CouponArchive`: the same unique keys as the SQL tables, in dictionaries."""

from collections.abc import Sequence

from adapters.inmemory.round_trip import round_trip
from domain.model.coupons import CouponEvent, IssuedCoupon
from domain.model.identity import UserId
from domain.model.ledger import ArchiveReport
from ports.coupon_archive import CouponArchive


class InMemoryCouponArchive(CouponArchive):
    """Coupons keyed by (event, user), numbers by (event, number): each write is one step."""

    def __init__(self) -> None:
        self._events: dict[int, CouponEvent] = {}
        self._by_user: dict[tuple[int, UserId], IssuedCoupon] = {}
        self._by_number: dict[tuple[int, int], UserId] = {}

    async def add_event(self, event: CouponEvent) -> bool:
        await round_trip()
        if event.id in self._events:
            return False
        self._events[event.id] = CouponEvent(
            id=event.id, name=event.name, quantity=event.quantity, strategy=event.strategy
        )
        return True

    async def last_event_id(self) -> int:
        await round_trip()
        return max(self._events, default=0)

    async def event_ids(self) -> Sequence[int]:
        await round_trip()
        return sorted(self._events)

    async def event(self, event_id: int) -> CouponEvent | None:
        await round_trip()
        event = self._events.get(event_id)
        if event is None:
            return None
        issued = sum(1 for key in self._by_user if key[0] == event_id)
        return CouponEvent(
            id=event.id,
            name=event.name,
            quantity=event.quantity,
            strategy=event.strategy,
            issued=issued,
        )

    async def write(self, coupons: Sequence[IssuedCoupon]) -> ArchiveReport:
        await round_trip()
        written = repeated = 0
        conflicts = []
        for coupon in coupons:
            held = self._by_user.get((coupon.event_id, coupon.user_id))
            owner = self._by_number.get((coupon.event_id, coupon.coupon_id))
            if held is not None and held.coupon_id == coupon.coupon_id:
                repeated += 1
            elif held is not None or owner is not None:
                conflicts.append(coupon)
            else:
                self._by_user[coupon.event_id, coupon.user_id] = coupon
                self._by_number[coupon.event_id, coupon.coupon_id] = coupon.user_id
                written += 1
        return ArchiveReport(written=written, repeated=repeated, conflicts=tuple(conflicts))

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]:
        await round_trip()
        held = [coupon for key, coupon in self._by_user.items() if key[0] == event_id]
        return sorted(held, key=lambda c: (c.coupon_id, c.user_id))

    async def coupons_of(self, user_id: UserId) -> Sequence[IssuedCoupon]:
        await round_trip()
        held = [coupon for key, coupon in self._by_user.items() if key[1] == user_id]
        return sorted(held, key=lambda c: (c.claimed_at, c.event_id), reverse=True)

    def forget(self, event_id: int, user_id: UserId) -> None:
        """Lose one archived coupon (tests inject drift with it)."""
        coupon = self._by_user.pop((event_id, user_id), None)
        if coupon is not None:
            del self._by_number[event_id, coupon.coupon_id]
