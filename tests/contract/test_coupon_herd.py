"""The thundering herd on each backend: 2,000 claims for 100 coupons, per strategy.

`atomic` and `lock` must grant exactly 100; `naive` must be seen to over-issue, which proves
the suite can see the race it guards against.
"""

import asyncio

import pytest

from adapters.inmemory.telemetry import CountingTelemetry
from adapters.system.secrets import SystemSecrets
from domain.model.coupons import ClaimStrategy, Coupon, CouponEventDraft
from domain.model.errors import AlreadyClaimed, SoldOut
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from domain.usecases.coupons import ClaimCoupon
from tests.contract.backends import Backend

CLAIMERS, QUANTITY = 2_000, 100


def claimer(backend: Backend) -> ClaimCoupon:
    """The claim use-case on the backend's ports, with a lock wait no herd here outlasts."""
    return ClaimCoupon(
        backend.coupons(),
        backend.lock(),
        backend.bus(),
        SystemSecrets(),
        CountingTelemetry(),
        lock_ttl_seconds=30,
        lock_wait_seconds=30,
    )


async def herd(
    backend: Backend, strategy: ClaimStrategy
) -> tuple[int, list[Coupon | BaseException]]:
    event = await backend.coupons().create(
        CouponEventDraft(name="herd", quantity=QUANTITY, strategy=strategy)
    )
    claim = claimer(backend)
    results = await asyncio.gather(
        *(claim(event.id, UserId(f"user{n}")) for n in range(CLAIMERS)), return_exceptions=True
    )
    return event.id, results


@pytest.mark.parametrize("strategy", [ClaimStrategy.ATOMIC, ClaimStrategy.LOCK])
async def test_safe_strategies_issue_exactly_the_quantity(
    backend: Backend, strategy: ClaimStrategy
) -> None:
    event_id, results = await herd(backend, strategy)

    coupons = [r for r in results if isinstance(r, Coupon)]
    assert len(coupons) == QUANTITY
    assert all(isinstance(r, SoldOut) for r in results if not isinstance(r, Coupon))
    claims = await backend.coupons().claims(event_id, PageRequest(limit=100))
    assert (claims.total, sorted(c.coupon_id for c in claims.items)) == (
        QUANTITY,
        list(range(1, QUANTITY + 1)),
    )


async def test_the_naive_strategy_over_issues(backend: Backend) -> None:
    event_id, results = await herd(backend, ClaimStrategy.NAIVE)

    coupons = [r for r in results if isinstance(r, Coupon)]
    assert len(coupons) > QUANTITY
    assert await backend.coupons().issued(event_id) == len(coupons)


@pytest.mark.parametrize("strategy", [ClaimStrategy.ATOMIC, ClaimStrategy.LOCK])
async def test_one_user_claiming_50_times_at_once_gets_one_coupon(
    backend: Backend, strategy: ClaimStrategy
) -> None:
    event = await backend.coupons().create(
        CouponEventDraft(name="greedy", quantity=QUANTITY, strategy=strategy)
    )
    claim = claimer(backend)

    results = await asyncio.gather(
        *(claim(event.id, UserId("greedy")) for _ in range(50)), return_exceptions=True
    )

    assert sum(isinstance(r, Coupon) for r in results) == 1
    assert all(isinstance(r, AlreadyClaimed) for r in results if not isinstance(r, Coupon))
    assert await backend.coupons().issued(event.id) == 1
