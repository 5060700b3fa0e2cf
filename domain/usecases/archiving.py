"""The ledger worker: issued coupons moved from the live ledger's feed to the archive."""

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from domain.model.ledger import Backlog, FeedEntry
from ports.clock import Clock
from ports.coupon_archive import CouponArchive
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

    batch_size: int
    """From LEDGER_BATCH_SIZE."""
    reclaim_idle_seconds: float
    """From LEDGER_RECLAIM_IDLE_SECONDS."""
    block_seconds: float = 0.2
    linger_seconds: float = 0.05
    forget_after_seconds: float = 600.0
    """Consumers holding nothing and idle this long are dropped from the group (checked with
    the reclaims): every process start adds one, and they would pile up otherwise."""
    retry_first_seconds: float = 0.05
    retry_max_seconds: float = 2.0
    measure_seconds: float = 1.0


class ArchiveIssuedCoupons:
    """The ledger worker: one consumer of the feed's group, a step at a time (the loop that
    runs the steps, waits between them and backs off through an outage is the caller's: see
    `pause` and `backoff`).

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

    async def take(self) -> bool:
        """Make sure a batch is in hand (reading one if there is none: entries a dead consumer
        left pending first, when it is time to look, else new ones, waiting up to the block
        time); whether there is one. Safe to cancel while it waits: what a cancelled read had
        taken stays pending, and a worker takes it over."""
        if not self._held:
            self._held = list(await self._take())
        return bool(self._held)

    async def settle(self) -> int:
        """Park the poison entries of the batch in hand, archive the rest in one transaction,
        then acknowledge them all; how many entries that settled. On a store failure the batch
        stays in hand for the next try, and the `PortError` propagates."""
        settled = len(self._held)
        if self._held:
            await self._settle()
        return settled

    async def step(self) -> int:
        """`take`, then `settle`: the entries settled (0: nothing to do)."""
        await self.take()
        return await self.settle()

    def pause(self, settled: int, took_seconds: float) -> float:
        """How long to wait before the next step after one that settled `settled` entries in
        `took_seconds`: the linger after a short batch; after an empty read, what is left of
        the block time (a feed that answers "nothing" at once instead of waiting must not make
        the worker spin: one did, a core's worth of reads while idle)."""
        if 0 < settled < self._policy.batch_size:
            return self._policy.linger_seconds
        if settled == 0:
            return max(0.0, self._policy.block_seconds - took_seconds)
        return 0.0

    def backoff(self, failures: int) -> float:
        """How long to wait after the `failures`-th store failure in a row (from 1)."""
        policy = self._policy
        return min(policy.retry_first_seconds * 2.0 ** (failures - 1), policy.retry_max_seconds)

    async def measure(self) -> Backlog:
        backlog = await self._feed.backlog()
        self._telemetry.ledger_backlog(backlog)
        return backlog

    async def measure_when_due(self) -> None:
        """Measure the backlog for the metrics every `measure_seconds` (also while a store is
        down: that is when the lag matters); a failure keeps the gauges' last values."""
        now = self._clock.timestamp()
        if now < self._next_measure:
            return
        self._next_measure = now + self._policy.measure_seconds
        with contextlib.suppress(PortError):
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
