"""Claiming a coupon: the three strategies, a coupon durable before anyone is told they hold it,
and the live ledger brought back in line with the archive when it has lost data."""

import contextlib
from datetime import datetime

from domain.model.coupons import (
    AlreadyHeld,
    Claimed,
    ClaimOutcome,
    ClaimRefusal,
    ClaimResult,
    ClaimStrategy,
    Coupon,
    CouponEvent,
    IssuedCoupon,
    Stock,
)
from domain.model.errors import (
    AlreadyClaimed,
    DomainError,
    LedgerSettling,
    NotFound,
    NumberTaken,
    SoldOut,
)
from domain.model.events import CouponsSoldOut
from domain.model.identity import UserId
from domain.usecases.coupons import LiveEvents
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
    NumberTaken: ClaimOutcome.NUMBER_TAKEN,
}

ATTEMPTS = 3
"""Claims one request makes while the live ledger is brought back in line with the archive."""


class ClaimCoupon:
    """Give a user one coupon of an event, serialised by the event's strategy, and answer only
    once the archive holds it.

    - `atomic`: the ledger checks and records in one indivisible step (a Lua script on Redis).
    - `lock`: the same check-then-act as `naive`, inside a distributed lock on the event.
    - `naive`: check, then act, in separate round trips with nothing in between. Concurrent
      claimers all read the same stock and all record: the live ledger over-issues. It exists
      to be measured against the other two; never copy it.

    Durability: the live ledger decides, the archive confirms. A coupon granted (or named in a
    refusal) is written to the archive first, and only then returned: losing the live
    ledger's data at any moment loses no coupon anyone was told they hold. The archive's unique
    keys are the last word: a coupon it refuses (its number archived for another user, or the
    user archived with another number) was never promised; the live ledger lost data, so the
    event is restored from the archive and the claim tried again (`naive`'s doubles, which are
    not a loss but the race, raise `NumberTaken`). Only winners write: refusals of coupons
    the live ledger knows are archived, and sold-out answers, never reach the archive.

    Raises `NotFound`, `AlreadyClaimed` (with the coupon the user holds: a client that lost its
    first answer learns its coupon by claiming again), `SoldOut`, `NumberTaken`,
    `LockNotAcquired` when the lock stays busy for `lock_wait_seconds`, `LedgerSettling` when
    the stores still disagree after `ATTEMPTS`, and `PortError` when a store fails (the coupon
    granted stays in the live ledger and its feed: a retry names it once it is archived).
    Announces `coupon.sold_out` when the last coupon goes.
    """

    def __init__(
        self,
        events: LiveEvents,
        ledger: CouponLedger,
        archive: CouponArchive,
        lock: Lock,
        announcer: Announcer,
        secrets: SecretSource,
        telemetry: Telemetry,
        clock: Clock,
        *,
        lock_ttl_seconds: float,
        lock_wait_seconds: float,
    ) -> None:
        self._events = events
        self._ledger = ledger
        self._archive = archive
        self._lock = lock
        self._announcer = announcer
        self._secrets = secrets
        self._telemetry = telemetry
        self._clock = clock
        self._lock_ttl_seconds = lock_ttl_seconds
        self._lock_wait_seconds = lock_wait_seconds

    async def __call__(self, event_id: int, user_id: UserId) -> Coupon:
        event = await self._events.event(event_id)
        if event is None:
            raise NotFound(f"there is no coupon event {event_id}")
        outcome = ClaimOutcome.UNAVAILABLE
        try:
            claimed = await self._claim_durably(event, user_id)
            outcome = ClaimOutcome.CLAIMED
        except (DomainError, PortError) as refusal:
            outcome = _OUTCOMES.get(type(refusal), outcome)
            raise
        finally:
            self._telemetry.coupon_claim(event.strategy, outcome)
        if claimed.issued == event.quantity:
            await self._announcer.announce(CouponsSoldOut(event.id, event.quantity))
        return claimed.coupon

    async def _claim_durably(self, event: CouponEvent, user_id: UserId) -> Claimed:
        # The token lets the ledger recognise a retried call as the same claim.
        token, claimed_at = self._secrets.nonce(), self._clock.now()
        for _ in range(ATTEMPTS):
            result = await self._claim(event, user_id, token, claimed_at)
            match result:
                case ClaimRefusal.SOLD_OUT:
                    raise SoldOut("every coupon of this event has been issued")
                case ClaimRefusal.NO_EVENT:
                    if await self._events.restore(event.id, unless_live=True) is None:
                        raise NotFound(f"there is no coupon event {event.id}")
                    continue
                case AlreadyHeld(archived=True):
                    raise AlreadyClaimed(result.coupon.coupon_id)
                case AlreadyHeld():
                    if await self._archived(result.issue):
                        raise AlreadyClaimed(result.coupon.coupon_id)
                case Claimed(coupon=coupon):
                    issue = IssuedCoupon(
                        event_id=coupon.event_id,
                        coupon_id=coupon.coupon_id,
                        user_id=coupon.user_id,
                        claimed_at=claimed_at,
                    )
                    if await self._archived(issue):
                        return result
            if event.strategy is ClaimStrategy.NAIVE:
                raise NumberTaken(result.coupon.coupon_id)
            await self._events.restore(event.id)
        raise LedgerSettling(
            "the coupon ledger is being restored from the archive; nothing was granted: "
            "try again shortly"
        )

    async def _claim(
        self, event: CouponEvent, user_id: UserId, token: str, claimed_at: datetime
    ) -> ClaimResult:
        match event.strategy:
            case ClaimStrategy.ATOMIC:
                return await self._ledger.claim_atomically(
                    event.id, user_id, claim_token=token, claimed_at=claimed_at
                )
            case ClaimStrategy.LOCK:
                return await self._claim_under_lock(event, user_id, claimed_at)
            case ClaimStrategy.NAIVE:
                return await self._check_then_act(event, user_id, claimed_at)

    async def _archived(self, issue: IssuedCoupon) -> bool:
        """Whether the archive holds this coupon now (written by this call, or before); False
        if it refused it. Noted in the live ledger, so that later refusals name it at once."""
        if (await self._archive.write([issue])).conflicts:
            return False
        # NOTE: the coupon is durable whether or not the note is kept: a lost note only makes
        # a later refusal of this user write to the archive again (a repeat).
        with contextlib.suppress(PortError):
            await self._ledger.confirm(issue.coupon)
        return True

    async def _claim_under_lock(
        self, event: CouponEvent, user_id: UserId, claimed_at: datetime
    ) -> ClaimResult:
        # NOTE: both refusals are final (a holder keeps the coupon, the count only grows), so
        # they can be answered before queueing on the lock: once everything is gone, the herd
        # is told so without waiting for its turn.
        settled = await self._settled(event, user_id)
        if not isinstance(settled, Stock):
            return settled
        async with self._lock.hold(
            f"coupon-event:{event.id}",
            ttl_seconds=self._lock_ttl_seconds,
            wait_seconds=self._lock_wait_seconds,
        ):
            return await self._check_then_act(event, user_id, claimed_at)

    async def _check_then_act(
        self, event: CouponEvent, user_id: UserId, claimed_at: datetime
    ) -> ClaimResult:
        stock = await self._settled(event, user_id)
        if not isinstance(stock, Stock):
            return stock
        coupon = Coupon(event_id=event.id, coupon_id=stock.next_number, user_id=user_id)
        return await self._ledger.record(coupon, claimed_at=claimed_at)

    async def _settled(self, event: CouponEvent, user_id: UserId) -> ClaimResult | Stock:
        """The user's coupon, else `SOLD_OUT`, in that order; else the stock to claim from."""
        held = await self._ledger.holder_coupon(event.id, user_id)
        if held is not None:
            return held
        stock = await self._ledger.stock(event.id)
        if stock.issued >= event.quantity or stock.next_number > event.quantity:
            return ClaimRefusal.SOLD_OUT
        return stock
