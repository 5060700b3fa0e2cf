"""Coupon events for tests: opened on a ledger as the use-case opens them."""

from domain.model.coupons import ClaimStrategy, CouponEvent
from ports.coupon_ledger import CouponLedger


async def open_event(
    ledger: CouponLedger,
    *,
    quantity: int = 2,
    strategy: ClaimStrategy = ClaimStrategy.ATOMIC,
    name: str = "launch",
) -> CouponEvent:
    event = CouponEvent(
        id=await ledger.new_event_id(), name=name, quantity=quantity, strategy=strategy
    )
    await ledger.open(event)
    return event
