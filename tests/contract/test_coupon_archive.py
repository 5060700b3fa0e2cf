"""`CouponArchive` contract: the durable record of events and issued coupons, written
idempotently against its two unique keys."""

import asyncio
from datetime import timedelta

from domain.model.coupons import ClaimStrategy, CouponEvent, IssuedCoupon
from domain.model.identity import UserId
from domain.model.ledger import ArchiveReport
from tests.contract.repositories import RepositoryBackend
from tests.support.clock import START

EVENT = CouponEvent(id=7, name="launch", quantity=100, strategy=ClaimStrategy.NAIVE)
ALICE, BOB, CAROL = UserId("alice"), UserId("bob"), UserId("carol")


def coupon(number: int, user: str, *, event_id: int = 7, seconds: float = 0) -> IssuedCoupon:
    return IssuedCoupon(
        event_id=event_id,
        coupon_id=number,
        user_id=UserId(user),
        claimed_at=START + timedelta(seconds=seconds),
    )


async def test_an_event_is_recorded_once_and_reads_back_with_its_count(
    repository: RepositoryBackend,
) -> None:
    archive = repository.archive()
    assert await archive.last_event_id() == 0
    assert await archive.add_event(EVENT) is True
    reused = CouponEvent(id=7, name="after a flush", quantity=1, strategy=ClaimStrategy.ATOMIC)
    assert await repository.archive().add_event(reused) is False, "the id is taken"
    await archive.write([coupon(1, "alice"), coupon(2, "bob")])

    assert await archive.event(7) == CouponEvent(
        id=7, name="launch", quantity=100, strategy=ClaimStrategy.NAIVE, issued=2
    )
    assert await archive.event(8) is None
    assert await archive.last_event_id() == 7


async def test_a_write_tells_written_repeated_and_conflicting_coupons_apart(
    repository: RepositoryBackend,
) -> None:
    archive = repository.archive()
    first = await archive.write([coupon(1, "alice"), coupon(2, "bob")])

    second = await archive.write(
        [
            coupon(1, "alice"),  # the same again: a retried or reclaimed entry
            coupon(3, "alice"),  # alice holds 1: another number for her
            coupon(2, "carol"),  # 2 is bob's: another user for it
            coupon(4, "dave"),
        ]
    )

    assert first == ArchiveReport(written=2)
    assert second == ArchiveReport(
        written=1, repeated=1, conflicts=(coupon(3, "alice"), coupon(2, "carol"))
    )
    assert [(c.coupon_id, c.user_id) for c in await archive.holdings(7)] == [
        (1, "alice"),
        (2, "bob"),
        (4, "dave"),
    ]


async def test_conflicts_within_one_batch_keep_the_first(repository: RepositoryBackend) -> None:
    report = await repository.archive().write(
        [coupon(5, "alice"), coupon(5, "bob"), coupon(6, "alice")]
    )

    assert report.written == 1
    assert report.conflicts == (coupon(5, "bob"), coupon(6, "alice"))


async def test_a_user_sees_their_coupons_newest_first(repository: RepositoryBackend) -> None:
    archive = repository.archive()
    await archive.write(
        [
            coupon(1, "alice", event_id=1, seconds=1),
            coupon(1, "bob", event_id=2, seconds=5),
            coupon(3, "alice", event_id=2, seconds=9),
            coupon(2, "alice", event_id=3, seconds=4),
        ]
    )

    mine = await archive.coupons_of(ALICE)

    assert [(c.event_id, c.coupon_id, c.claimed_at) for c in mine] == [
        (2, 3, START + timedelta(seconds=9)),
        (3, 2, START + timedelta(seconds=4)),
        (1, 1, START + timedelta(seconds=1)),
    ]
    assert list(await archive.coupons_of(CAROL)) == []


async def test_hostile_user_ids_are_stored_exactly(repository: RepositoryBackend) -> None:
    hostile = ["o'brien", 'quote"d', "'; DROP TABLE coupons; --", "naïve-ユーザー-🎟", "back\\slash"]
    archive = repository.archive()
    await archive.write([coupon(n + 1, user) for n, user in enumerate(hostile)])

    assert [c.user_id for c in await archive.holdings(7)] == hostile
    for user in hostile:
        assert [c.user_id for c in await archive.coupons_of(UserId(user))] == [user]


async def test_instances_writing_the_same_entries_at_once_archive_each_once(
    repository: RepositoryBackend,
) -> None:
    issued = [coupon(n, f"user{n}") for n in range(1, 201)]
    batches = [issued[start : start + 20] for start in range(0, 200, 20)]

    reports = await asyncio.gather(
        *(repository.archive().write(batch) for batch in batches),
        *(repository.archive().write(batch) for batch in reversed(batches)),
    )

    assert sum(r.written for r in reports) == 200
    assert sum(r.repeated for r in reports) == 200
    assert not any(r.conflicts for r in reports)
    assert list(await repository.archive().holdings(7)) == issued
