"""Coupon use-cases: create an event, show it, list its claims, list a user's coupons (claiming
is `domain.usecases.claims`)."""

import asyncio
import logging
from collections.abc import Sequence
from weakref import WeakValueDictionary

from domain.model.coupons import (
    ClaimsPage,
    CouponEvent,
    CouponEventDraft,
    IssuedCoupon,
)
from domain.model.errors import NotFound
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.coupon_archive import CouponArchive
from ports.coupon_ledger import CouponLedger
from ports.telemetry import Telemetry

log = logging.getLogger(__name__)


class LiveEvents:
    """Coupon events as the live ledger holds them, put back from the archive when it has lost
    them (a flush, a failover that lost writes).

    `event` reads the live ledger and, when the event is missing there but archived, restores
    it with every archived coupon first. `restore` brings an event in line with the archive
    again (a claim found the two disagreeing). One restore of an event at a time in this
    process: a herd that finds the event gone waits for the first restore instead of reading
    the archive once per claim. Instances restore on their own; restores are idempotent, and a
    later one never undoes an earlier one (the archive only grows).
    """

    def __init__(self, ledger: CouponLedger, archive: CouponArchive, telemetry: Telemetry) -> None:
        self._ledger = ledger
        self._archive = archive
        self._telemetry = telemetry
        self._restoring: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()

    async def event(self, event_id: int) -> CouponEvent | None:
        event = await self._ledger.event(event_id)
        return event if event is not None else await self.restore(event_id, unless_live=True)

    async def restore(self, event_id: int, *, unless_live: bool = False) -> CouponEvent | None:
        """Put the archive's coupons of the event back in the live ledger (with `unless_live`,
        only if the event is still missing once it is this caller's turn); the event as the
        live ledger holds it afterwards, or None if the archive does not have it."""
        lock = self._restoring.get(event_id)
        if lock is None:
            lock = self._restoring[event_id] = asyncio.Lock()
        async with lock:
            if unless_live:
                event = await self._ledger.event(event_id)
                if event is not None:
                    return event
            archived = await self._archive.event(event_id)
            if archived is None:
                return None
            changed = await self._ledger.restore(archived, await self._archive.holdings(event_id))
            self._telemetry.ledger_restored(changed=changed)
            log.warning(
                "coupon event %d: the live ledger had lost data; brought back in line with the "
                "archive (%d coupons put back, moved or taken back)",
                event_id,
                changed,
            )
            return await self._ledger.event(event_id)


class CreateCouponEvent:
    """Open a coupon event with a fixed quantity and a claim strategy.

    The archive records the event before the ledger opens it: an event anyone can claim from
    is always in the durable record of what was offered (with the archive down, nothing opens
    and the id is simply never used). An id the archive holds already means the live ledger
    lost its id counter (a flush): the ledger skips every archived id, and the event takes the
    next.
    """

    def __init__(self, ledger: CouponLedger, archive: CouponArchive) -> None:
        self._ledger = ledger
        self._archive = archive

    async def __call__(self, draft: CouponEventDraft) -> CouponEvent:
        while True:
            event = CouponEvent(
                id=await self._ledger.new_event_id(),
                name=draft.name,
                quantity=draft.quantity,
                strategy=draft.strategy,
            )
            if await self._archive.add_event(event):
                break
            await self._ledger.skip_event_ids(await self._archive.last_event_id())
        await self._ledger.open(event)
        return event


class ShowCouponEvent:
    """An event with its issued count (restored from the archive if the live ledger lost it);
    `NotFound` if there is none."""

    def __init__(self, events: LiveEvents) -> None:
        self._events = events

    async def __call__(self, event_id: int) -> CouponEvent:
        event = await self._events.event(event_id)
        if event is None:
            raise NotFound(f"there is no coupon event {event_id}")
        return event


class ListClaims:
    """A page of an event's coupons in claim order; `NotFound` if there is no such event."""

    def __init__(self, events: LiveEvents, ledger: CouponLedger) -> None:
        self._events = events
        self._ledger = ledger

    async def __call__(self, event_id: int, request: PageRequest) -> ClaimsPage:
        if await self._events.event(event_id) is None:
            raise NotFound(f"there is no coupon event {event_id}")
        return await self._ledger.claims(event_id, request)


class ListMyCoupons:
    """The coupons a user holds, newest claim first, from the archive (the durable ledger).

    Read-your-writes: a claim is answered only once the archive holds its coupon, so every
    coupon a 201 or a 409 named is listed from then on, on any instance.
    """

    def __init__(self, archive: CouponArchive) -> None:
        self._archive = archive

    async def __call__(self, user_id: UserId) -> Sequence[IssuedCoupon]:
        return await self._archive.coupons_of(user_id)
