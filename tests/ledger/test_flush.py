"""Redis loses everything in the middle of a herd: `FLUSHALL` at a random moment while 2,000
users claim on two instances (redis profile, real Redis and PostgreSQL).

What must hold: every coupon anyone was told they hold (a returned coupon: 201; an
`AlreadyClaimed`: a 409 naming it) is in the archive; after `reconcile --all --fix` Redis holds
exactly what the archive holds, no number twice, never more than the quantity; and later claims
go on numbering correctly from there."""

import asyncio
import random
import time
from collections import Counter

import pytest
from redis.asyncio import Redis

from domain.model.coupons import ClaimStrategy, Coupon
from domain.model.errors import AlreadyClaimed, LedgerSettling, SoldOut
from domain.model.identity import UserId
from domain.usecases.reconciling import ReconcileCoupons
from ports.errors import LockNotAcquired
from tests.support.postgres_server import PostgresServer
from tests.support.profiles import (
    RunningProfile,
    open_event,
    owners,
    redis_profile,
    redis_settings,
)
from tests.support.redis_server import RedisServer

CLAIMERS, LATER = 2_000, 300
QUANTITIES = (250, 2_150)
"""Even runs: the herd sells out (most claims are refused); odd runs: the herd leaves stock,
and the later claims number on from what the flush left."""
FLUSH_WITHIN_SECONDS = 0.6
RUNS = 10


def told(user: str, result: object) -> tuple[int, str] | None:
    """The coupon a claim's answer named to its user: a 201's, or a 409's."""
    match result:
        case Coupon(coupon_id=number):
            return number, user
        case AlreadyClaimed(coupon_id=number):
            return number, user
    return None


async def claim_on(
    instances: list[RunningProfile], event_id: int, users: list[str]
) -> dict[str, object]:
    """Each user claims once, on the instances in turn, all at once."""
    results = await asyncio.gather(
        *(
            instances[n % len(instances)].usecases.claim_coupon(event_id, UserId(user))
            for n, user in enumerate(users)
        ),
        return_exceptions=True,
    )
    return dict(zip(users, results, strict=True))


@pytest.mark.parametrize("run", range(RUNS))
@pytest.mark.parametrize("strategy", [ClaimStrategy.ATOMIC, ClaimStrategy.LOCK])
async def test_a_flush_during_a_herd_loses_no_coupon_anyone_was_told_of(
    redis_server: RedisServer, database: PostgresServer, strategy: ClaimStrategy, run: int
) -> None:
    draw = random.Random(f"{strategy}-{run}")
    quantity = QUANTITIES[run % 2]
    async with Redis.from_url(redis_server.url) as client:
        await client.flushall()
        settings = redis_settings(redis_server.url, database.url)
        async with redis_profile(settings) as one, redis_profile(settings) as two:
            event_id = await open_event(one.usecases, quantity, strategy)
            flush_after = draw.uniform(0, FLUSH_WITHIN_SECONDS)

            async def flush() -> float:
                await asyncio.sleep(flush_after)  # the fault, at a random moment of the herd
                await client.flushall()
                return time.monotonic()

            started = time.monotonic()
            herd = claim_on([one, two], event_id, [f"user{n}" for n in range(CLAIMERS)])
            results, flushed_at = await asyncio.gather(herd, flush())
            took = time.monotonic() - started

            restores = sum(
                instance.built.container.metrics().registry.get_sample_value(
                    "ledger_restores_total"
                )
                or 0
                for instance in (one, two)
            )
            assert restores >= 1, "the flush fell within the herd: claims went on after it"
            answers = [told(user, result) for user, result in results.items()]
            promised = {answer for answer in answers if answer is not None}
            expected = (Coupon, AlreadyClaimed, SoldOut, LockNotAcquired, LedgerSettling)
            unexpected = [r for r in results.values() if not isinstance(r, expected)]
            assert unexpected == []
            assert promised <= owners(await one.archive.holdings(event_id)), "told, not kept"

            reconcile = ReconcileCoupons(one.ledger, one.archive, one.feed)
            for event in await reconcile.event_ids():
                await reconcile(event, fix=True)
            live = owners(await one.ledger.holdings(event_id))
            archived = owners(await one.archive.holdings(event_id))
            assert live == archived
            numbers = Counter(number for number, _ in archived)
            assert all(count == 1 for count in numbers.values()), "a number given twice"
            assert len(archived) <= quantity
            assert promised <= archived

            later = await claim_on([two, one], event_id, [f"later{n}" for n in range(LATER)])
            granted_later = {(r.coupon_id, u) for u, r in later.items() if isinstance(r, Coupon)}
            assert len(granted_later) == quantity - len(archived), "the stock goes on"
            assert all(isinstance(r, (Coupon, SoldOut, LockNotAcquired)) for r in later.values())
            final = owners(await one.archive.holdings(event_id))
            assert len(final) == quantity
            assert {number for number, _ in final} == set(range(1, quantity + 1))
            assert owners(await two.ledger.holdings(event_id)) == final
            assert await open_event(two.usecases, 1, strategy) > event_id, "an id reused"
            print(
                f"{strategy} run {run}: flush {flush_after * 1000:.0f} ms into a {took:.2f} s "
                f"herd ({flushed_at - started:.2f} s), {restores:.0f} restores; told "
                f"{len(promised)}, archived "
                f"{len(archived)} after the fix, {len(granted_later)} more granted later"
            )
