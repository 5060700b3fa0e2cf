"""Coupon claims per second on a real Redis: 200 concurrent claimers per round, per strategy.

Every claimer gets a coupon (the event is large): this measures how fast each strategy lets
claims through, not the refusals. The archive is in this process (the SQL write each winner
costs is measured by the load runs). `claims_per_second` is in each benchmark's extra info.
"""

import asyncio

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from adapters.inmemory.coupon_archive import InMemoryCouponArchive
from adapters.redis.client import RedisConnector
from adapters.redis.coupon_ledger import RedisCouponLedger
from adapters.redis.lock import RedisLock
from adapters.system.clock import SystemClock
from adapters.system.secrets import SystemSecrets
from domain.model.coupons import ClaimStrategy, Coupon
from domain.model.identity import UserId
from domain.usecases.claims import ClaimCoupon
from domain.usecases.coupons import LiveEvents
from tests.benchmarks.conftest import Loop
from tests.support.announcer import RecordingAnnouncer
from tests.support.coupons import open_event
from tests.support.telemetry import CountingTelemetry

pytestmark = pytest.mark.benchmark
CLAIMERS = 200


@pytest.mark.benchmark(group=f"{CLAIMERS} concurrent claims")
@pytest.mark.parametrize("strategy", list(ClaimStrategy), ids=str)
def test_claims_per_second(
    benchmark: BenchmarkFixture, loop: Loop, connector: RedisConnector, strategy: ClaimStrategy
) -> None:
    ledger = RedisCouponLedger(connector)
    archive = InMemoryCouponArchive()
    claim = ClaimCoupon(
        LiveEvents(ledger, archive, CountingTelemetry()),
        ledger,
        archive,
        RedisLock(connector),
        RecordingAnnouncer(),
        SystemSecrets(),
        CountingTelemetry(),
        SystemClock(),
        lock_ttl_seconds=10,
        lock_wait_seconds=10,
    )

    def new_event() -> tuple[tuple[int], dict[str, object]]:
        event = loop.run(open_event(ledger, quantity=10**6, strategy=strategy, name="bench"))
        return (event.id,), {}

    async def herd(event_id: int) -> None:
        coupons = await asyncio.gather(
            *(claim(event_id, UserId(f"user{n}")) for n in range(CLAIMERS))
        )
        assert all(isinstance(coupon, Coupon) for coupon in coupons)

    benchmark.pedantic(  # type: ignore[no-untyped-call]  # pytest-benchmark is untyped
        lambda event_id: loop.run(herd(event_id)), setup=new_event, rounds=10, warmup_rounds=1
    )
    assert benchmark.stats is not None
    benchmark.extra_info["claims_per_second"] = round(CLAIMERS / benchmark.stats.stats.mean)
