"""A coupon is durable before anyone is told they hold it: claims against an archive that is
down, that has coupons the live ledger lost, and that disagrees with it (in-process adapters,
each interleaving forced)."""

import asyncio
from collections.abc import Sequence

import pytest

from adapters.inmemory.coupon_ledger import InMemoryCouponLedger
from adapters.inmemory.ledger_feed import InMemoryLedgerFeed
from adapters.inmemory.lock import InMemoryLock
from adapters.system.secrets import SystemSecrets
from domain.model.coupons import (
    ClaimStrategy,
    Coupon,
    CouponEventDraft,
    IssuedCoupon,
)
from domain.model.errors import AlreadyClaimed, LedgerSettling, NotFound, SoldOut
from domain.model.identity import UserId
from domain.model.ledger import ArchiveReport
from domain.usecases.claims import ATTEMPTS, ClaimCoupon
from domain.usecases.coupons import CreateCouponEvent, ListMyCoupons, LiveEvents
from ports.errors import BackendUnavailable
from tests.support.announcer import RecordingAnnouncer
from tests.support.archive import FlakyArchive
from tests.support.clock import ManualClock
from tests.support.telemetry import CountingTelemetry

SAFE = [ClaimStrategy.ATOMIC, ClaimStrategy.LOCK]
ALICE, BOB = UserId("alice"), UserId("bob")


class Claims:
    """The claim use-case over in-process adapters, with the archive in the test's hands."""

    def __init__(self, archive: FlakyArchive | None = None) -> None:
        self.clock = ManualClock()
        self.feed = InMemoryLedgerFeed(self.clock)
        self.ledger = InMemoryCouponLedger(self.feed)
        self.archive = archive or FlakyArchive()
        self.telemetry = CountingTelemetry()
        self.claim = ClaimCoupon(
            LiveEvents(self.ledger, self.archive, self.telemetry),
            self.ledger,
            self.archive,
            InMemoryLock(self.clock),
            RecordingAnnouncer(),
            SystemSecrets(),
            self.telemetry,
            self.clock,
            lock_ttl_seconds=30,
            lock_wait_seconds=30,
        )

    async def event(self, strategy: ClaimStrategy, quantity: int = 10) -> int:
        draft = CouponEventDraft(name="launch", quantity=quantity, strategy=strategy)
        return (await CreateCouponEvent(self.ledger, self.archive)(draft)).id

    async def archived(self, event_id: int) -> list[tuple[int, str]]:
        return [(c.coupon_id, c.user_id) for c in await self.archive.holdings(event_id)]

    async def live(self, event_id: int) -> list[tuple[int, str]]:
        return [(c.coupon_id, c.user_id) for c in await self.ledger.holdings(event_id)]


@pytest.fixture
def claims() -> Claims:
    return Claims()


@pytest.mark.parametrize("strategy", list(ClaimStrategy))
async def test_a_granted_coupon_is_archived_before_it_is_returned(
    claims: Claims, strategy: ClaimStrategy
) -> None:
    event_id = await claims.event(strategy)

    coupon = await claims.claim(event_id, ALICE)

    assert await claims.archived(event_id) == [(coupon.coupon_id, "alice")]
    assert [c.coupon for c in await ListMyCoupons(claims.archive)(ALICE)] == [coupon]


@pytest.mark.parametrize("strategy", list(ClaimStrategy))
async def test_with_the_archive_down_a_winner_is_told_nothing_and_a_retry_names_its_coupon(
    claims: Claims, strategy: ClaimStrategy
) -> None:
    event_id = await claims.event(strategy)
    claims.archive.down = True

    with pytest.raises(BackendUnavailable):
        await claims.claim(event_id, ALICE)

    assert await claims.live(event_id) == [(1, "alice")], "the claim stays in the live ledger"
    assert [
        e.issue.coupon_id for e in await claims.feed.read("w", count=9, block_seconds=0) if e.issue
    ] == [1]
    assert await claims.archived(event_id) == []
    assert claims.telemetry.counts["claim", strategy.value, "unavailable"] == 1
    claims.archive.down = False
    with pytest.raises(AlreadyClaimed) as retried:
        await claims.claim(event_id, ALICE)
    assert retried.value.coupon_id == 1
    assert await claims.archived(event_id) == [(1, "alice")]


@pytest.mark.parametrize("strategy", SAFE)
async def test_only_winners_write_to_the_archive(claims: Claims, strategy: ClaimStrategy) -> None:
    event_id = await claims.event(strategy, quantity=10)
    writes = claims.archive.writes

    results = await asyncio.gather(
        *(claims.claim(event_id, UserId(f"u{n}")) for n in range(200)), return_exceptions=True
    )
    again = await asyncio.gather(
        *(claims.claim(event_id, UserId(f"u{n}")) for n in range(200)), return_exceptions=True
    )

    assert sum(isinstance(r, Coupon) for r in results) == 10
    assert claims.archive.writes - writes == 10, "refusals and repeats stay on the live ledger"
    assert sum(isinstance(r, AlreadyClaimed) for r in again) == 10
    assert all(isinstance(r, (AlreadyClaimed, SoldOut)) for r in again)


@pytest.mark.parametrize("strategy", SAFE)
async def test_an_event_the_live_ledger_lost_is_restored_and_numbering_goes_on(
    claims: Claims, strategy: ClaimStrategy
) -> None:
    event_id = await claims.event(strategy, quantity=5)
    for user in ("u1", "u2"):
        await claims.claim(event_id, UserId(user))
    claims.ledger.forget(event_id)  # a flush

    with pytest.raises(AlreadyClaimed) as held:
        await claims.claim(event_id, UserId("u1"))
    later = [await claims.claim(event_id, UserId(f"v{n}")) for n in range(3)]

    assert held.value.coupon_id == 1
    assert [c.coupon_id for c in later] == [3, 4, 5]
    assert await claims.live(event_id) == await claims.archived(event_id)
    with pytest.raises(SoldOut):
        await claims.claim(event_id, UserId("late"))


async def test_an_event_in_neither_store_is_not_found(claims: Claims) -> None:
    with pytest.raises(NotFound):
        await claims.claim(404, ALICE)


class LateArchive(FlakyArchive):
    """An archive that takes one coupon written by someone else the moment the live ledger is
    restored: a claim granted before a flush whose write lands after the restore read the
    archive."""

    def __init__(self) -> None:
        super().__init__()
        self.late: IssuedCoupon | None = None

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]:
        held = await super().holdings(event_id)
        if self.late is not None:
            late, self.late = self.late, None
            await super().write([late])
        return held


@pytest.mark.parametrize("strategy", SAFE)
async def test_a_number_archived_after_the_restore_is_never_given_twice(
    strategy: ClaimStrategy,
) -> None:
    archive = LateArchive()
    claims = Claims(archive)
    event_id = await claims.event(strategy, quantity=5)
    await claims.claim(event_id, UserId("u1"))
    claims.ledger.forget(event_id)
    # u2 was granted coupon 2 before the flush; its write reaches the archive after the
    # restore read it, so the restored live ledger offers number 2 again.
    archive.late = IssuedCoupon(
        event_id=event_id, coupon_id=2, user_id=UserId("u2"), claimed_at=claims.clock.now()
    )

    coupon = await claims.claim(event_id, BOB)

    assert coupon.coupon_id == 3, "number 2 is u2's: bob gets the next one"
    assert claims.telemetry.counts["ledger", "restores"] == 2, "on the flush, on the conflict"
    assert await claims.archived(event_id) == [(1, "u1"), (2, "u2"), (3, "bob")]
    assert await claims.live(event_id) == await claims.archived(event_id)


class DisagreeingArchive(FlakyArchive):
    """An archive that refuses every coupon as a conflict."""

    async def write(self, coupons: Sequence[IssuedCoupon]) -> ArchiveReport:
        self.writes += 1
        return ArchiveReport(conflicts=tuple(coupons))


async def test_a_claim_the_archive_keeps_refusing_ends_in_ledger_settling() -> None:
    archive = DisagreeingArchive()
    claims = Claims(archive)
    event_id = await claims.event(ClaimStrategy.ATOMIC)

    with pytest.raises(LedgerSettling):
        await claims.claim(event_id, ALICE)

    assert archive.writes == ATTEMPTS
