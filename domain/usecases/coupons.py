"""Coupon use-cases: create an event, show it, claim a coupon under a strategy, list claims,
list a user's coupons."""

from collections.abc import Sequence

from domain.model.coupons import (
    AlreadyHeld,
    Claimed,
    ClaimOutcome,
    ClaimRefusal,
    ClaimsPage,
    ClaimStrategy,
    Coupon,
    CouponEvent,
    CouponEventDraft,
    IssuedCoupon,
)
from domain.model.errors import AlreadyClaimed, DomainError, NotFound, SoldOut
from domain.model.events import CouponsSoldOut
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.announcer import Announcer
from ports.clock import Clock
from ports.coupon_archive import CouponArchive
from ports.coupon_ledger import CouponLedger
from ports.errors import LockNotAcquired, PortError
from ports.lock import Lock
from ports.secrets import SecretSource
from ports.telemetry import Telemetry

_OUTCOMES: dict[type[Exception], ClaimOutcome] = {
    AlreadyClaimed: ClaimOutcome.ALREADY_CLAIMED,
    SoldOut: ClaimOutcome.SOLD_OUT,
    NotFound: ClaimOutcome.NOT_FOUND,
    LockNotAcquired: ClaimOutcome.LOCK_BUSY,
}


class CreateCouponEvent:
    """Open a coupon event with a fixed quantity and a claim strategy.

    The archive records the event before the ledger opens it: an event anyone can claim from
    is always in the durable record of what was offered (with the archive down, nothing opens
    and the id is simply never used). An id the archive holds already means Redis lost its
    id counter (a flush): the ledger skips every archived id, and the event takes the next.
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
    """An event with its issued count; `NotFound` if there is none."""

    def __init__(self, ledger: CouponLedger) -> None:
        self._ledger = ledger

    async def __call__(self, event_id: int) -> CouponEvent:
        event = await self._ledger.event(event_id)
        if event is None:
            raise NotFound(f"there is no coupon event {event_id}")
        return event


class ClaimCoupon:
    """Give a user one coupon of an event, serialised by the event's strategy.

    - `atomic`: the ledger checks and records in one indivisible step (a Lua script on Redis).
    - `lock`: the same check-then-act as `naive`, inside a distributed lock on the event.
    - `naive`: check, then act, in separate round trips with nothing in between. Concurrent
      claimers all read the same count and all record: it over-issues. It exists to be
      measured against the other two; never copy it.

    Every strategy appends the coupon it issues to the ledger feed in the same step as its
    write, so the archive learns of each one (and of each coupon `naive` gives twice).

    Raises `NotFound`, `AlreadyClaimed` (with the coupon the user holds: a client that lost
    its first answer learns its coupon by claiming again), `SoldOut`, and `LockNotAcquired`
    when the lock stays busy for `lock_wait_seconds`. Announces `coupon.sold_out` when the
    last coupon goes.
    """

    def __init__(
        self,
        ledger: CouponLedger,
        lock: Lock,
        announcer: Announcer,
        secrets: SecretSource,
        telemetry: Telemetry,
        clock: Clock,
        *,
        lock_ttl_seconds: float,
        lock_wait_seconds: float,
    ) -> None:
        self._ledger = ledger
        self._lock = lock
        self._announcer = announcer
        self._secrets = secrets
        self._telemetry = telemetry
        self._clock = clock
        self._lock_ttl_seconds = lock_ttl_seconds
        self._lock_wait_seconds = lock_wait_seconds

    async def __call__(self, event_id: int, user_id: UserId) -> Coupon:
        event = await self._ledger.event(event_id)
        if event is None:
            raise NotFound(f"there is no coupon event {event_id}")
        outcome = ClaimOutcome.UNAVAILABLE
        try:
            claimed = await self._claim(event, user_id)
            outcome = ClaimOutcome.CLAIMED
        except (DomainError, PortError) as refusal:
            outcome = _OUTCOMES.get(type(refusal), outcome)
            raise
        finally:
            self._telemetry.coupon_claim(event.strategy, outcome)
        if claimed.issued == event.quantity:
            await self._announcer.announce(CouponsSoldOut(event.id, event.quantity))
        return claimed.coupon

    async def _claim(self, event: CouponEvent, user_id: UserId) -> Claimed:
        match event.strategy:
            case ClaimStrategy.ATOMIC:
                return await self._claim_atomically(event, user_id)
            case ClaimStrategy.LOCK:
                return await self._claim_under_lock(event, user_id)
            case ClaimStrategy.NAIVE:
                return await self._check_then_act(event, user_id)

    async def _claim_atomically(self, event: CouponEvent, user_id: UserId) -> Claimed:
        # The token lets the ledger recognise a retried call as the same claim.
        result = await self._ledger.claim_atomically(
            event.id, user_id, claim_token=self._secrets.nonce(), claimed_at=self._clock.now()
        )
        match result:
            case Claimed():
                return result
            case AlreadyHeld(coupon=held):
                raise AlreadyClaimed(held.coupon_id)
            case ClaimRefusal.SOLD_OUT:
                raise SoldOut("every coupon of this event has been issued")
            case ClaimRefusal.NO_EVENT:
                raise NotFound(f"there is no coupon event {event.id}")

    async def _claim_under_lock(self, event: CouponEvent, user_id: UserId) -> Claimed:
        # NOTE: both refusals are final (a holder keeps the coupon, the count only grows), so
        # they can be answered before queueing on the lock: once everything is gone, the herd
        # is told so without waiting for its turn.
        await self._refuse_if_settled(event, user_id)
        async with self._lock.hold(
            f"coupon-event:{event.id}",
            ttl_seconds=self._lock_ttl_seconds,
            wait_seconds=self._lock_wait_seconds,
        ):
            return await self._check_then_act(event, user_id)

    async def _check_then_act(self, event: CouponEvent, user_id: UserId) -> Claimed:
        issued = await self._refuse_if_settled(event, user_id)
        coupon = Coupon(event_id=event.id, coupon_id=issued + 1, user_id=user_id)
        held = await self._ledger.record(coupon, claimed_at=self._clock.now())
        if held != coupon.coupon_id:
            raise AlreadyClaimed(held)
        return Claimed(coupon=coupon, issued=issued + 1)

    async def _refuse_if_settled(self, event: CouponEvent, user_id: UserId) -> int:
        """Refuse a holder, then a sold-out event, in that order; else return `issued`."""
        held = await self._ledger.holder_coupon(event.id, user_id)
        if held is not None:
            raise AlreadyClaimed(held.coupon_id)
        issued = await self._ledger.issued(event.id)
        if issued >= event.quantity:
            raise SoldOut("every coupon of this event has been issued")
        return issued


class ListClaims:
    """A page of an event's coupons in claim order; `NotFound` if there is no such event."""

    def __init__(self, ledger: CouponLedger) -> None:
        self._ledger = ledger

    async def __call__(self, event_id: int, request: PageRequest) -> ClaimsPage:
        if await self._ledger.event(event_id) is None:
            raise NotFound(f"there is no coupon event {event_id}")
        return await self._ledger.claims(event_id, request)


class ListMyCoupons:
    """The coupons a user holds, newest claim first, from the archive (the durable ledger).

    A coupon appears once the ledger worker has archived it: milliseconds after the claim
    normally, later while the archive is down (`ledger_lag_seconds` says how far behind).
    """

    def __init__(self, archive: CouponArchive) -> None:
        self._archive = archive

    async def __call__(self, user_id: UserId) -> Sequence[IssuedCoupon]:
        return await self._archive.coupons_of(user_id)
