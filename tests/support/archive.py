"""An in-process coupon archive that can be taken down, and counts its writes."""

import asyncio
from collections.abc import Callable, Sequence

from adapters.inmemory.coupon_archive import InMemoryCouponArchive
from domain.model.coupons import IssuedCoupon
from domain.model.ledger import ArchiveReport
from ports.errors import BackendUnavailable


class FlakyArchive(InMemoryCouponArchive):
    """An archive whose writes fail while `down` is set (and write nothing then)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.writes = 0
        self.archived = 0
        self._changed = asyncio.Condition()

    async def write(self, coupons: Sequence[IssuedCoupon]) -> ArchiveReport:
        async with self._changed:
            self.writes += 1
            self._changed.notify_all()
        if self.down:
            raise BackendUnavailable("the database is down")
        report = await super().write(coupons)
        async with self._changed:
            self.archived += report.written
            self._changed.notify_all()
        return report

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with self._changed:
            await self._changed.wait_for(predicate)
