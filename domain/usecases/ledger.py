"""The durable coupon ledger: a worker that moves issued coupons from the feed to the archive,
and the reconciliation of Redis (what decided the claims) with the archive."""

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from domain.model.coupons import IssuedCoupon
from domain.model.errors import NotFound
from domain.model.ledger import Backlog, Drift, FeedEntry
from ports.clock import Clock
from ports.coupon_archive import CouponArchive
from ports.coupon_ledger import CouponLedger
from ports.errors import PortError
from ports.ledger_feed import LedgerFeed
from ports.telemetry import Telemetry

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerPolicy:
    """How a ledger worker paces itself.

    - `batch_size`: entries per archive transaction;
    - `block_seconds`: how long one read waits for new entries;
    - `reclaim_idle_seconds`: a pending entry nobody acknowledged for this long belongs to a
      dead or stuck consumer, and is taken over (checked every half of it);
    - `retry_first_seconds` / `retry_max_seconds`: backoff while a store is down (the batch in
      hand is kept and written again, never dropped);
    - `measure_seconds`: how often the backlog is measured for the metrics;
    - `linger_seconds`: after a batch smaller than `batch_size`, how long to let entries
      gather before reading again. Under a steady trickle of claims, a read returns the moment
      one entry arrives: without it, nearly every claim costs a transaction of its own (load
      level 3, atomic herd: 221-231 claims/s without, 263 with 50 ms). It adds at most this
      much lag.
    """

    batch_size: int = 100
    block_seconds: float = 0.2
    linger_seconds: float = 0.05
    forget_after_seconds: float = 600.0
    """Consumers holding nothing and idle this long are dropped from the group (checked with
    the reclaims): every process start adds one, and they would pile up otherwise."""
    reclaim_idle_seconds: float = 30.0
    retry_first_seconds: float = 0.05
    retry_max_seconds: float = 2.0
    measure_seconds: float = 1.0


class ArchiveIssuedCoupons:
    """The ledger worker: one consumer of the feed's group.

    Each step takes a batch (entries a dead consumer left pending first, when it is time to
    look, else new ones), parks poison entries in the dead letters, writes the rest to the
    archive in one transaction, and only then acknowledges them. The archive write is
    idempotent, so a batch written and not acknowledged (the worker died in between) is
    written again by whoever reclaims it, as `repeated`, never twice. A coupon the archive
    refuses (another owner or number archived: the `naive` strategy's doubles) is counted as a
    conflict, logged, and acknowledged: reconciliation reports it, retrying cannot fix it.
    """

    def __init__(
        self,
        feed: LedgerFeed,
        archive: CouponArchive,
        telemetry: Telemetry,
        clock: Clock,
        *,
        consumer: str,
        policy: WorkerPolicy,
    ) -> None:
        self._feed = feed
        self._archive = archive
        self._telemetry = telemetry
        self._clock = clock
        self.consumer = consumer
        self._policy = policy
        self._held: list[FeedEntry] = []
        self._next_reclaim = 0.0
        self._next_measure = 0.0
        self.written = 0
        self.conflicts = 0
        self.parked = 0
        self.reclaimed = 0

    async def step(self, stop: asyncio.Event | None = None) -> int:
        """Take a batch unless one is in hand, archive it, acknowledge it; the number of
        entries settled (0: nothing to do, or `stop` was set while waiting for entries). On a
        store failure the batch stays in hand for the next step, and the `PortError`
        propagates."""
        if not self._held:
            reading = self._take()
            taken = await (reading if stop is None else _unless_stopped(reading, stop))
            if taken is None:
                return 0
            self._held = list(taken)
        settled = len(self._held)
        if self._held:
            await self._settle()
        return settled

    async def measure(self) -> Backlog:
        backlog = await self._feed.backlog()
        self._telemetry.ledger_backlog(backlog)
        return backlog

    async def run(self, stop: asyncio.Event) -> None:
        """Steps until `stop` is set, measuring the backlog now and then (also while a store
        is down: that is when the lag matters); a store failure waits with backoff and tries
        again (logged once per outage, not per retry)."""
        delay = self._policy.retry_first_seconds
        failing = False
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                started = loop.time()
                settled = await self.step(stop)
                if 0 < settled < self._policy.batch_size:
                    await _wait(stop, self._policy.linger_seconds)
                elif settled == 0:
                    # NOTE: a feed that answers "nothing" at once instead of waiting must not
                    # make the worker spin (one did: a core's worth of reads while idle).
                    waited = loop.time() - started
                    await _wait(stop, self._policy.block_seconds - waited)
            except PortError as error:
                if not failing:
                    log.warning("ledger worker %s: %s; retrying", self.consumer, error)
                failing = True
                await _wait(stop, delay)
                delay = min(delay * 2, self._policy.retry_max_seconds)
            else:
                if failing:
                    log.info("ledger worker %s: stores reachable again", self.consumer)
                failing, delay = False, self._policy.retry_first_seconds
            await self._measure_when_due()

    async def _measure_when_due(self) -> None:
        now = self._clock.timestamp()
        if now < self._next_measure:
            return
        self._next_measure = now + self._policy.measure_seconds
        with contextlib.suppress(PortError):  # Redis down: the gauges keep their last values
            await self.measure()

    async def _take(self) -> Sequence[FeedEntry]:
        now = self._clock.timestamp()
        if now >= self._next_reclaim:
            self._next_reclaim = now + self._policy.reclaim_idle_seconds / 2
            reclaimed = await self._feed.reclaim(
                self.consumer,
                idle_seconds=self._policy.reclaim_idle_seconds,
                count=self._policy.batch_size,
            )
            forgotten = await self._feed.forget_idle_consumers(self._policy.forget_after_seconds)
            if forgotten:
                log.info("ledger worker %s: forgot %d idle consumers", self.consumer, forgotten)
            if reclaimed:
                self.reclaimed += len(reclaimed)
                log.info(
                    "ledger worker %s: took over %d entries left pending",
                    self.consumer,
                    len(reclaimed),
                )
                return reclaimed
        return await self._feed.read(
            self.consumer, count=self._policy.batch_size, block_seconds=self._policy.block_seconds
        )

    async def _settle(self) -> None:
        for entry in [entry for entry in self._held if entry.issue is None]:
            await self._feed.park(entry, entry.problem)
            self._held.remove(entry)
            self.parked += 1
            self._telemetry.ledger_parked()
            log.warning(
                "ledger worker %s: parked entry %s of event %s in the dead letters: %s",
                self.consumer,
                entry.entry_id,
                entry.event_id,
                entry.problem,
            )
        issues = [entry.issue for entry in self._held if entry.issue is not None]
        if issues:
            report = await self._archive.write(issues)
            self.written += report.written
            self.conflicts += len(report.conflicts)
            self._telemetry.ledger_archived(written=report.written, conflicts=len(report.conflicts))
            for coupon in report.conflicts:
                log.warning(
                    "ledger worker %s: the archive refused coupon %d of event %d for user %r: "
                    "another owner or number is archived (run `coupons reconcile %d`)",
                    self.consumer,
                    coupon.coupon_id,
                    coupon.event_id,
                    coupon.user_id,
                    coupon.event_id,
                )
        await self._feed.acknowledge(self._held)
        self._held = []


async def _unless_stopped(
    work: Coroutine[Any, Any, Sequence[FeedEntry]], stop: asyncio.Event
) -> Sequence[FeedEntry] | None:
    """`work`'s result, or None if `stop` is set first (then `work` is cancelled: a blocking
    read must not hold up a shutdown; what a cancelled read had taken stays pending, and
    another worker takes it over)."""
    reading = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if reading in done:
        stopping.cancel()
        return reading.result()
    reading.cancel()
    with contextlib.suppress(asyncio.CancelledError, PortError):
        await reading
    return None


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """What reconciling an event found, and (with a fix) what it repaired and what remains."""

    found: Drift
    archived: int = 0
    restored: int = 0
    remaining: Drift | None = None


class ReconcileCoupons:
    """Compare one event's coupons in Redis and in the archive; with `fix`, repair.

    The archive is what users were told: no claim is answered before its coupon is archived.
    So a repair first archives what Redis holds and the archive lacks (a claim whose answer
    was lost with its process: the ledger worker would archive it too), unless the archive
    holds a coupon that contradicts it; then it brings Redis in line with the archive: the
    event and the coupons Redis lost (a flush, a lost failover) put back, and numbers Redis
    gave to someone the archive does not know (the `naive` strategy's doubles, claims made
    on a half-restored ledger) taken back. Nobody loses a coupon they were told they hold.
    """

    def __init__(self, ledger: CouponLedger, archive: CouponArchive, feed: LedgerFeed) -> None:
        self._ledger = ledger
        self._archive = archive
        self._feed = feed

    async def event_ids(self) -> list[int]:
        """Every event either store holds (the archive has them all, unless it lost data; the
        live ledger has none after a flush)."""
        return sorted({*await self._archive.event_ids(), *await self._ledger.event_ids()})

    async def __call__(self, event_id: int, *, fix: bool) -> Reconciliation:
        found = await self._drift(event_id)
        if not fix or found.clean:
            return Reconciliation(found=found)
        archived = restored = 0
        event = await self._ledger.event(event_id)
        if found.event_missing_in_archive and event is not None:
            await self._archive.add_event(event)
        if found.missing_in_archive:
            archived = (await self._archive.write(found.missing_in_archive)).written
        if found.event_missing_in_redis or found.missing_in_redis or found.conflicts:
            definition = await self._archive.event(event_id)
            assert definition is not None  # one of the two stores has the event
            archived_now = await self._archive.holdings(event_id)
            restored = await self._ledger.restore(definition, archived_now)
        return Reconciliation(
            found=found,
            archived=archived,
            restored=restored,
            remaining=await self._drift(event_id),
        )

    async def _drift(self, event_id: int) -> Drift:
        in_redis = await self._ledger.event(event_id)
        in_archive = await self._archive.event(event_id)
        if in_redis is None and in_archive is None:
            raise NotFound(f"there is no coupon event {event_id} in Redis nor in the archive")
        held = await self._ledger.holdings(event_id)
        archived = await self._archive.holdings(event_id)
        missing_in_archive, missing_in_redis, conflicts = _compare(held, archived)
        definition = in_redis if in_redis is not None else in_archive
        assert definition is not None
        return Drift(
            event_id=event_id,
            quantity=definition.quantity,
            held_in_redis=len(held),
            held_in_archive=len(archived),
            missing_in_archive=missing_in_archive,
            missing_in_redis=missing_in_redis,
            conflicts=conflicts,
            event_missing_in_redis=in_redis is None,
            event_missing_in_archive=in_archive is None,
            in_flight=await self._feed.in_flight(event_id),
        )


def _compare(
    held: Sequence[IssuedCoupon], archived: Sequence[IssuedCoupon]
) -> tuple[tuple[IssuedCoupon, ...], tuple[IssuedCoupon, ...], tuple[IssuedCoupon, ...]]:
    """(missing in the archive, missing in Redis, conflicts), each ordered by coupon number."""
    archived_by_user = {coupon.user_id: coupon for coupon in archived}
    archived_numbers = {coupon.coupon_id: coupon.user_id for coupon in archived}
    held_by_user = {coupon.user_id: coupon for coupon in held}
    held_numbers = {coupon.coupon_id for coupon in held}
    missing_in_archive, missing_in_redis, conflicts = [], [], []
    for coupon in held:
        match archived_by_user.get(coupon.user_id):
            case None if archived_numbers.get(coupon.coupon_id, coupon.user_id) == coupon.user_id:
                missing_in_archive.append(coupon)
            case None:
                conflicts.append(coupon)  # the number is archived for someone else
            case other if other.coupon_id != coupon.coupon_id:
                conflicts.append(coupon)  # the user is archived with another number
    for coupon in archived:
        if coupon.user_id in held_by_user:
            continue
        if coupon.coupon_id in held_numbers:
            conflicts.append(coupon)  # Redis gave this number to someone else
        else:
            missing_in_redis.append(coupon)

    def ordered(coupons: list[IssuedCoupon]) -> tuple[IssuedCoupon, ...]:
        return tuple(sorted(coupons, key=lambda c: (c.coupon_id, c.user_id)))

    return ordered(missing_in_archive), ordered(missing_in_redis), ordered(conflicts)
