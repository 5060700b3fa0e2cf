"""The durable coupon ledger on the in-process adapters: the worker that archives what the
feed carries, through failures and dead consumers, and the reconciliation of the two stores."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest

from adapters.inmemory.coupon_ledger import InMemoryCouponLedger
from adapters.inmemory.ledger_feed import InMemoryLedgerFeed
from composition.lifecycle import BackgroundTask
from domain.model.coupons import (
    ClaimStrategy,
    Coupon,
    CouponEvent,
    CouponEventDraft,
)
from domain.model.errors import NotFound
from domain.model.identity import UserId
from domain.model.ledger import FeedEntry
from domain.usecases.archiving import ArchiveIssuedCoupons, WorkerPolicy
from domain.usecases.coupons import CreateCouponEvent
from domain.usecases.reconciling import ReconcileCoupons
from ports.errors import BackendUnavailable
from tests.support.archive import FlakyArchive
from tests.support.clock import START, ManualClock
from tests.support.telemetry import CountingTelemetry

POLICY = WorkerPolicy(batch_size=10, block_seconds=0, reclaim_idle_seconds=30)


class Ledger:
    """The in-process ledger, feed and archive, and workers over them."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.feed = InMemoryLedgerFeed(self.clock)
        self.ledger = InMemoryCouponLedger(self.feed)
        self.archive = FlakyArchive()
        self.telemetry = CountingTelemetry()

    def worker(self, consumer: str = "w1", policy: WorkerPolicy = POLICY) -> ArchiveIssuedCoupons:
        return ArchiveIssuedCoupons(
            self.feed,
            self.archive,
            self.telemetry,
            self.clock,
            consumer=consumer,
            policy=policy,
        )

    async def event(
        self, quantity: int = 100, strategy: ClaimStrategy = ClaimStrategy.ATOMIC
    ) -> int:
        event = await CreateCouponEvent(self.ledger, self.archive)(_draft(quantity, strategy))
        return event.id

    async def claim(self, event_id: int, users: range) -> None:
        for n in users:
            await self.ledger.claim_atomically(
                event_id, UserId(f"u{n}"), claim_token=f"t{n}", claimed_at=START
            )

    async def drain(self, worker: ArchiveIssuedCoupons) -> None:
        while await worker.step():
            pass


def _draft(quantity: int, strategy: ClaimStrategy) -> CouponEventDraft:
    return CouponEventDraft(name="launch", quantity=quantity, strategy=strategy)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()


async def test_the_worker_archives_every_issued_coupon_once(ledger: Ledger) -> None:
    event_id = await ledger.event()
    await ledger.claim(event_id, range(25))
    worker = ledger.worker()

    await ledger.drain(worker)

    assert [(c.coupon_id, c.user_id) for c in await ledger.archive.holdings(event_id)] == [
        (n + 1, f"u{n}") for n in range(25)
    ]
    assert ledger.archive.writes == 3, "batches of 10"
    assert ledger.telemetry.counts["ledger", "written"] == 25
    assert (await worker.measure()).empty
    assert ledger.telemetry.backlog is not None
    assert ledger.telemetry.backlog.empty


async def test_a_failed_write_keeps_the_batch_and_writes_it_when_the_archive_is_back(
    ledger: Ledger,
) -> None:
    event_id = await ledger.event()
    await ledger.claim(event_id, range(5))
    worker = ledger.worker()
    ledger.archive.down = True

    with pytest.raises(BackendUnavailable):
        await worker.step()
    with pytest.raises(BackendUnavailable):
        await worker.step()  # the same batch again, nothing new read
    ledger.clock.advance(12)
    backlog = await worker.measure()
    assert (backlog.pending, backlog.unread, backlog.lag_seconds) == (5, 0, 12)

    ledger.archive.down = False
    await ledger.drain(worker)

    assert len(await ledger.archive.holdings(event_id)) == 5
    assert ledger.telemetry.counts["ledger", "written"] == 5
    assert (await worker.measure()).empty


async def test_entries_a_dead_worker_left_pending_are_taken_over_and_not_written_twice(
    ledger: Ledger,
) -> None:
    event_id = await ledger.event()
    await ledger.claim(event_id, range(8))
    dead = ledger.worker("dead")
    await dead.step()  # batch 1 written and acknowledged
    await ledger.claim(event_id, range(8, 16))
    taken = await ledger.feed.read("dead", count=5, block_seconds=0)
    await ledger.archive.write([e.issue for e in taken if e.issue is not None])
    # ... and the worker dies before acknowledging: 5 archived entries left pending.

    alive = ledger.worker("alive")
    await ledger.drain(alive)
    assert alive.reclaimed == 0, "not idle long enough yet"
    assert await ledger.feed.forget_idle_consumers(0) == 1, "not the dead one: it holds 5"
    ledger.clock.advance(31)
    await ledger.drain(alive)

    assert alive.reclaimed == 5
    held = await ledger.archive.holdings(event_id)
    assert [c.coupon_id for c in held] == list(range(1, 17))
    assert ledger.telemetry.counts["ledger", "written"] == 8 + 3
    assert (await alive.measure()).empty


async def test_a_poison_entry_is_parked_logged_and_never_blocks_the_rest(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    event_id = await ledger.event()
    await ledger.claim(event_id, range(2))
    ledger.feed.append_fields(event_id, {"event": str(event_id), "coupon": "1", "user": ""})
    await ledger.claim(event_id, range(2, 4))
    worker = ledger.worker()

    with caplog.at_level(logging.WARNING):
        await ledger.drain(worker)

    assert len(await ledger.archive.holdings(event_id)) == 4
    assert ledger.telemetry.counts["ledger", "parked"] == 1
    ((entry, reason),) = ledger.feed.dead_letters
    assert entry.raw["coupon"] == "1"
    assert "missing fields: at" in reason
    assert any("parked entry" in record.getMessage() for record in caplog.records)
    assert (await worker.measure()).empty


async def test_naive_doubles_are_conflicts_counted_logged_and_acknowledged(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    event_id = await ledger.event(strategy=ClaimStrategy.NAIVE)
    for user in ["alice", "bob"]:  # both read issued = 0, both record coupon 1
        await ledger.ledger.record(
            Coupon(event_id=event_id, coupon_id=1, user_id=UserId(user)), claimed_at=START
        )
    worker = ledger.worker()

    with caplog.at_level(logging.WARNING):
        await ledger.drain(worker)

    assert ledger.telemetry.counts["ledger", "conflicts"] == 1
    assert worker.conflicts == 1
    assert any("refused coupon 1" in record.getMessage() for record in caplog.records)
    assert (await worker.measure()).empty


async def test_the_worker_runs_until_stopped_and_rides_out_an_outage(ledger: Ledger) -> None:
    event_id = await ledger.event()
    worker = ledger.worker(policy=replace(POLICY, block_seconds=0.01, retry_first_seconds=0.001))
    task = BackgroundTask(worker)
    running = asyncio.create_task(task.run())
    ledger.archive.down = True
    await ledger.claim(event_id, range(30))
    await ledger.archive.until(lambda: ledger.archive.writes >= 3)  # failing, trying again

    ledger.archive.down = False
    await asyncio.wait_for(ledger.archive.until(lambda: ledger.archive.archived == 30), 5)
    task.stop()
    await asyncio.wait_for(running, 5)

    assert ledger.telemetry.counts["ledger", "written"] == 30


async def test_an_event_created_after_redis_lost_its_counter_takes_a_fresh_id(
    ledger: Ledger,
) -> None:
    first = await ledger.event()
    lost = InMemoryCouponLedger(ledger.feed)  # Redis flushed: the counter starts again

    again = await CreateCouponEvent(lost, ledger.archive)(_draft(5, ClaimStrategy.LOCK))

    assert again.id == first + 1
    archived = await ledger.archive.event(first)
    assert archived is not None
    assert archived.quantity == 100, "the archived event is untouched"


async def archived_event(ledger: Ledger, claims: int = 10) -> int:
    event_id = await ledger.event()
    await ledger.claim(event_id, range(claims))
    await ledger.drain(ledger.worker())
    return event_id


async def test_reconcile_finds_each_drift_and_fix_repairs_it(ledger: Ledger) -> None:
    event_id = await archived_event(ledger)
    reconcile = ReconcileCoupons(ledger.ledger, ledger.archive, ledger.feed)
    assert (await reconcile(event_id, fix=False)).found.clean
    ledger.archive.forget(event_id, UserId("u3"))  # a row lost in SQL
    restored = ledger.ledger
    archived = list(await ledger.archive.holdings(event_id))
    restored.forget(event_id)  # the event lost in Redis (a flush)...
    await restored.restore(  # ...and only part of it put back by hand
        CouponEvent(id=event_id, name="launch", quantity=100, strategy=ClaimStrategy.ATOMIC),
        [c for c in archived if c.user_id != UserId("u7")],
    )
    await ledger.ledger.record(
        Coupon(event_id=event_id, coupon_id=4, user_id=UserId("u3")), claimed_at=START
    )
    await ledger.feed.acknowledge(await ledger.feed.read("x", count=10, block_seconds=0))

    found = (await reconcile(event_id, fix=False)).found
    assert [c.user_id for c in found.missing_in_archive] == ["u3"]
    assert [c.user_id for c in found.missing_live] == ["u7"]
    assert found.conflicts == ()

    fixed = await reconcile(event_id, fix=True)
    assert (fixed.archived, fixed.restored) == (1, 1)
    assert fixed.remaining is not None
    assert fixed.remaining.clean
    assert (await reconcile(event_id, fix=False)).found.clean


async def test_reconcile_restores_a_whole_event_redis_lost(ledger: Ledger) -> None:
    event_id = await archived_event(ledger)
    ledger.ledger.forget(event_id)

    found = await ReconcileCoupons(ledger.ledger, ledger.archive, ledger.feed)(event_id, fix=True)

    assert found.found.event_missing_live
    assert len(found.found.missing_live) == 10
    assert found.restored == 10
    assert found.remaining is not None
    assert found.remaining.clean
    event = await ledger.ledger.event(event_id)
    assert event is not None
    assert (event.quantity, event.issued) == (100, 10)


async def test_reconcile_takes_back_naive_doubles_the_archive_refused(ledger: Ledger) -> None:
    """Two naive claimers took number 1; the archive holds alice's (bob was told the number
    was taken): the fix takes the number back from bob in the live ledger."""
    event_id = await ledger.event(strategy=ClaimStrategy.NAIVE)
    for user in ["alice", "bob"]:
        await ledger.ledger.record(
            Coupon(event_id=event_id, coupon_id=1, user_id=UserId(user)), claimed_at=START
        )
    await ledger.drain(ledger.worker())
    reconcile = ReconcileCoupons(ledger.ledger, ledger.archive, ledger.feed)

    fixed = await reconcile(event_id, fix=True)

    assert [(c.coupon_id, c.user_id) for c in fixed.found.conflicts] == [(1, "bob")]
    assert fixed.found.over_issued == 0
    assert fixed.restored == 1
    assert fixed.remaining is not None
    assert fixed.remaining.clean
    assert [c.user_id for c in await ledger.ledger.holdings(event_id)] == ["alice"]


async def test_reconcile_counts_entries_still_in_flight(ledger: Ledger) -> None:
    event_id = await ledger.event()
    await ledger.claim(event_id, range(3))

    found = (
        await ReconcileCoupons(ledger.ledger, ledger.archive, ledger.feed)(event_id, fix=False)
    ).found

    assert found.in_flight == 3
    assert len(found.missing_in_archive) == 3


async def test_reconcile_of_an_event_neither_store_knows_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFound):
        await ReconcileCoupons(ledger.ledger, ledger.archive, ledger.feed)(404, fix=False)


class HastyFeed(InMemoryLedgerFeed):
    """A feed that answers an empty read at once instead of waiting (fakeredis does), and
    counts reads; `at_last_read` runs at the `reads`-th."""

    def __init__(self, clock: ManualClock, reads: int, at_last_read: Callable[[], None]) -> None:
        super().__init__(clock)
        self.reads = 0
        self._last = reads
        self._at_last_read = at_last_read

    async def read(self, consumer: str, *, count: int, block_seconds: float) -> Sequence[FeedEntry]:
        self.reads += 1
        if self.reads == self._last:
            self._at_last_read()
        return await super().read(consumer, count=count, block_seconds=0)


async def test_an_idle_worker_waits_its_block_time_even_if_the_feed_does_not(
    ledger: Ledger,
) -> None:
    stopping: list[BackgroundTask] = []
    feed = HastyFeed(ledger.clock, reads=4, at_last_read=lambda: stopping[0].stop())
    worker = ArchiveIssuedCoupons(
        feed, ledger.archive, ledger.telemetry, ledger.clock,
        consumer="w1", policy=replace(POLICY, block_seconds=0.05),
    )  # fmt: skip
    stopping.append(BackgroundTask(worker))
    clock = asyncio.get_running_loop().time

    started = clock()
    await asyncio.wait_for(stopping[0].run(), 5)

    assert feed.reads == 4
    assert clock() - started >= 3 * 0.05 * 0.95, "three empty reads, each followed by a wait"
