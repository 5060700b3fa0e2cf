"""Coupon events for tests: opened on a ledger as the use-case opens them; a ledger that forces
the naive strategy's race."""

import asyncio
from collections.abc import Sequence
from datetime import datetime

from domain.model.coupons import (
    AlreadyHeld,
    ClaimResult,
    ClaimsPage,
    ClaimStrategy,
    Coupon,
    CouponEvent,
    IssuedCoupon,
    Stock,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
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


class ChecksBeforeActs(CouponLedger):
    """The backend's ledger, holding every `record` until all claimers have read the stock:
    the interleaving in which every check happens before any act."""

    def __init__(self, ledger: CouponLedger, claimers: int) -> None:
        self._ledger = ledger
        self._unchecked = claimers
        self._all_checked = asyncio.Event()

    async def new_event_id(self) -> int:
        return await self._ledger.new_event_id()

    async def skip_event_ids(self, through: int) -> None:
        await self._ledger.skip_event_ids(through)

    async def open(self, event: CouponEvent) -> None:
        await self._ledger.open(event)

    async def event(self, event_id: int) -> CouponEvent | None:
        return await self._ledger.event(event_id)

    async def event_ids(self) -> Sequence[int]:
        return await self._ledger.event_ids()

    async def claim_atomically(
        self, event_id: int, user_id: UserId, *, claim_token: str, claimed_at: datetime
    ) -> ClaimResult:
        return await self._ledger.claim_atomically(
            event_id, user_id, claim_token=claim_token, claimed_at=claimed_at
        )

    async def stock(self, event_id: int) -> Stock:
        stock = await self._ledger.stock(event_id)
        self._unchecked -= 1
        if not self._unchecked:
            self._all_checked.set()
        return stock

    async def holder_coupon(self, event_id: int, user_id: UserId) -> AlreadyHeld | None:
        return await self._ledger.holder_coupon(event_id, user_id)

    async def record(self, coupon: Coupon, *, claimed_at: datetime) -> ClaimResult:
        await self._all_checked.wait()
        return await self._ledger.record(coupon, claimed_at=claimed_at)

    async def confirm(self, coupon: Coupon) -> None:
        await self._ledger.confirm(coupon)

    async def claims(self, event_id: int, request: PageRequest) -> ClaimsPage:
        return await self._ledger.claims(event_id, request)

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]:
        return await self._ledger.holdings(event_id)

    async def restore(self, event: CouponEvent, coupons: Sequence[IssuedCoupon]) -> int:
        return await self._ledger.restore(event, coupons)
