"""The `CouponArchive` port: the durable record of coupon events and issued coupons."""

from collections.abc import Sequence
from typing import Protocol

from domain.model.coupons import CouponEvent, IssuedCoupon
from domain.model.identity import UserId
from domain.model.ledger import ArchiveReport


class CouponArchive(Protocol):
    """Events as offered, coupons as issued; one coupon per user and one user per coupon
    number within an event.

    Contract:
    - `add_event` stores the event's definition (`issued` is not stored) and returns True, or
      returns False and stores nothing if the id is taken already (an id the live ledger
      handed out again after losing its counter); `last_event_id` is the highest id stored
      (0: none); `event_ids` lists them all, in order.
    - `event` returns it with `issued` = the coupons archived, or None.
    - `write` archives coupons in one transaction, idempotently: a coupon archived already
      (same event, user and number) is `repeated`; one whose user holds another number, or
      whose number another user holds, is a conflict and is not written.
    - `holdings` is every coupon of an event; `coupons_of` a user's, newest claim first.
    - Failures raise `BackendUnavailable` / `BackendTimeout`; a failed `write` wrote nothing.
    """

    async def add_event(self, event: CouponEvent) -> bool: ...

    async def last_event_id(self) -> int: ...

    async def event_ids(self) -> Sequence[int]: ...

    async def event(self, event_id: int) -> CouponEvent | None: ...

    async def write(self, coupons: Sequence[IssuedCoupon]) -> ArchiveReport: ...

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]: ...

    async def coupons_of(self, user_id: UserId) -> Sequence[IssuedCoupon]: ...
