"""Level 3, concurrency control: the thundering herd against atomic, lock and naive claims."""

import asyncio
from dataclasses import replace

import pytest
from dependency_injector import providers

from adapters.http.app import UseCases
from composition.root import assemble
from composition.settings import Settings
from domain.model.coupons import ClaimStrategy, Coupon, CouponEventDraft
from domain.model.errors import AlreadyClaimed, NotFound, NumberTaken, SoldOut
from domain.model.events import ChannelEvent
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from ports.errors import LockNotAcquired
from ports.lock import Lock
from tests.support.clock import ManualClock
from tests.support.telemetry import CountingTelemetry

SAFE = [ClaimStrategy.ATOMIC, ClaimStrategy.LOCK]


async def open_event(usecases: UseCases, strategy: ClaimStrategy, quantity: int = 100) -> int:
    draft = CouponEventDraft(name="launch", quantity=quantity, strategy=strategy)
    return (await usecases.create_coupon_event(draft)).id


async def herd(usecases: UseCases, event_id: int, users: int) -> list[object]:
    return await asyncio.gather(
        *(usecases.claim_coupon(event_id, UserId(f"user{n}")) for n in range(users)),
        return_exceptions=True,
    )


@pytest.mark.parametrize("strategy", SAFE)
async def test_should_issue_exactly_100_coupons(
    usecases: UseCases, telemetry: CountingTelemetry, strategy: ClaimStrategy
) -> None:
    event_id = await open_event(usecases, strategy)

    results = await herd(usecases, event_id, 5_000)

    granted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(granted) == 100
    assert all(isinstance(r, SoldOut) for r in refused), {type(r) for r in refused}
    event = await usecases.show_coupon_event(event_id)
    assert (event.issued, event.remaining) == (100, 0)
    claims = await usecases.list_claims(event_id, PageRequest(limit=100))
    assert sorted(c.coupon_id for c in claims.items) == list(range(1, 101))
    assert telemetry.counts["claim", strategy.value, "claimed"] == 100
    assert telemetry.counts["claim", strategy.value, "sold_out"] == 4_900


async def test_naive_claims_over_issue_under_concurrency(usecases: UseCases) -> None:
    event_id = await open_event(usecases, ClaimStrategy.NAIVE)

    results = await herd(usecases, event_id, 2_000)

    granted = [r for r in results if isinstance(r, Coupon)]
    taken = [r for r in results if isinstance(r, NumberTaken)]
    issued_live = (await usecases.show_coupon_event(event_id)).issued
    assert issued_live > 100, "check-then-act without a lock must show the race"
    assert len({coupon.coupon_id for coupon in granted}) == len(granted), "none promised twice"
    assert len(granted) + len(taken) == issued_live, "the archive refused every double"


@pytest.mark.parametrize("strategy", [*SAFE, ClaimStrategy.NAIVE])
async def test_sequential_naive_claims_are_still_correct(
    usecases: UseCases, strategy: ClaimStrategy
) -> None:
    event_id = await open_event(usecases, strategy, quantity=3)

    results = [await usecases.claim_coupon(event_id, UserId(f"u{n}")) for n in range(3)]

    assert [coupon.coupon_id for coupon in results] == [1, 2, 3]
    with pytest.raises(SoldOut):
        await usecases.claim_coupon(event_id, UserId("late"))


@pytest.mark.parametrize("strategy", SAFE)
async def test_should_prevent_double_claiming_by_same_user(
    usecases: UseCases, strategy: ClaimStrategy
) -> None:
    event_id = await open_event(usecases, strategy)
    alice = UserId("alice")

    results = await asyncio.gather(
        *(usecases.claim_coupon(event_id, alice) for _ in range(50)), return_exceptions=True
    )

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, AlreadyClaimed) for r in results if isinstance(r, BaseException))
    with pytest.raises(AlreadyClaimed):
        await usecases.claim_coupon(event_id, alice)
    assert (await usecases.show_coupon_event(event_id)).issued == 1


async def test_sold_out_is_announced_once(usecases: UseCases) -> None:
    event_id = await open_event(usecases, ClaimStrategy.ATOMIC, quantity=10)

    async with usecases.follow_channel("coupons") as subscription:
        await herd(usecases, event_id, 50)
        first = await subscription.receive(timeout_seconds=1)
        second = await subscription.receive(timeout_seconds=0.01)

    assert isinstance(first, ChannelEvent)
    assert (first.message.type, first.message.payload) == (
        "coupon.sold_out",
        {"event_id": event_id, "quantity": 10},
    )
    assert second is None


async def test_a_busy_lock_answers_lock_not_acquired(
    settings: Settings, clock: ManualClock
) -> None:
    # The lock wait is derived from the request deadline: keep it short here.
    assembly = assemble(replace(settings, request_deadline_seconds=0.1), clock=clock)
    telemetry = CountingTelemetry()
    assembly.container.telemetry.override(providers.Object(telemetry))
    usecases: UseCases = assembly.container.usecases()
    event_id = await open_event(usecases, ClaimStrategy.LOCK)
    lock: Lock = assembly.adapters.lock()

    async with lock.hold(f"coupon-event:{event_id}", ttl_seconds=60, wait_seconds=1):
        with pytest.raises(LockNotAcquired):
            await usecases.claim_coupon(event_id, UserId("alice"))

    assert telemetry.counts["claim", "lock", "lock_busy"] == 1
    assert (await usecases.claim_coupon(event_id, UserId("alice"))).coupon_id == 1


async def test_claiming_an_unknown_event_is_not_found(usecases: UseCases) -> None:
    with pytest.raises(NotFound):
        await usecases.claim_coupon(404, UserId("alice"))
    with pytest.raises(NotFound):
        await usecases.list_claims(404, PageRequest(limit=10))
