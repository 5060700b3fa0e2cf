"""The coupon ledger on the `redis` profile, against a real Redis and a real PostgreSQL: what
Redis issues ends up in SQL, through herds, a killed worker, a Redis restarted from its
append-only file and a database outage; drift is found and repaired by `coupons reconcile`."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis.asyncio import Redis

from adapters.redis import keys
from adapters.sql.migrations import upgrade
from composition.ledger import report
from composition.root import Assembly, assemble
from composition.settings import Profile, Settings
from domain.model.coupons import ClaimStrategy, Coupon, CouponEventDraft
from domain.model.errors import SoldOut
from domain.model.identity import UserId
from domain.usecases.ledger import ReconcileCoupons
from ports.coupon_archive import CouponArchive
from ports.coupon_ledger import CouponLedger
from ports.errors import LockNotAcquired, PortError
from ports.ledger_feed import LedgerFeed
from tests.support.commands import run_python
from tests.support.postgres_server import PostgresServer, running_postgres
from tests.support.redis_server import RedisServer, running_redis

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 10.0
"""Roomy: these herds check what is kept, not how fast (the load runs measure that)."""


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, with an append-only file synced on every write."""
    with running_redis(tmp_path / "redis", durable=True) as server:
        yield server


@pytest.fixture
def database(migrated_postgres: PostgresServer) -> PostgresServer:
    migrated_postgres.empty()
    return migrated_postgres


@dataclass
class RunningProfile:
    """The redis profile's container, and the ports the tests look through."""

    built: Assembly
    usecases: Any
    ledger: CouponLedger
    archive: CouponArchive
    feed: LedgerFeed


def redis_settings(redis_url: str, database_url: str, **changes: Any) -> Settings:
    return replace(
        Settings(),
        profile=Profile.REDIS,
        redis_url=redis_url,
        database_url=database_url,
        admin_token="admin-token-for-tests-0123456789",
        otp_secret=b"otp-secret-for-tests-0123456789",
        **{"request_deadline_seconds": DEADLINE_SECONDS, **changes},
    )


@asynccontextmanager
async def redis_profile(
    settings: Settings, *, worker: bool = True
) -> AsyncIterator[RunningProfile]:
    """The profile as the app builds it; with `worker`, its backends and its ledger worker
    started as on ASGI lifespan."""
    built = assemble(settings)
    container: Any = built.container
    adapters: Any = built.adapters
    if worker:
        await container.backends().startup()
    try:
        yield RunningProfile(
            built,
            container.usecases(),
            adapters.coupons(),
            adapters.archive(),
            adapters.ledger_feed(),
        )
    finally:
        if worker:
            await container.backends().shutdown()
        else:
            for closeable in reversed(adapters.closeables()):
                await closeable.close()


async def until(condition: Callable[[], Awaitable[bool]], *, within: float = 60) -> None:
    """Wait until `condition()` holds: it polls the progress of a worker (in this process or
    another), which is asynchronous by design; the test fails after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


async def drained(feed: LedgerFeed, *, within: float = 60) -> float:
    """Wait until every entry of the feed is archived; the seconds it took."""
    started = time.monotonic()

    async def empty() -> bool:
        return (await feed.backlog()).empty

    await until(empty, within=within)
    return time.monotonic() - started


def owners(coupons: Any) -> set[tuple[int, str]]:
    return {(coupon.coupon_id, coupon.user_id) for coupon in coupons}


async def herd(
    usecases: Any, event_id: int, users: int, prefix: str = "user"
) -> list[Coupon | BaseException]:
    results: list[Coupon | BaseException] = await asyncio.gather(
        *(usecases.claim_coupon(event_id, UserId(f"{prefix}{n}")) for n in range(users)),
        return_exceptions=True,
    )
    return results


async def open_event(usecases: Any, quantity: int, strategy: ClaimStrategy) -> int:
    draft = CouponEventDraft(name="herd", quantity=quantity, strategy=strategy)
    event_id: int = (await usecases.create_coupon_event(draft)).id
    return event_id


@pytest.mark.parametrize("strategy", [ClaimStrategy.ATOMIC, ClaimStrategy.LOCK])
async def test_a_herd_of_5000_for_100_ends_in_sql_exactly_as_redis_issued_it(
    redis_server: RedisServer, database: PostgresServer, strategy: ClaimStrategy
) -> None:
    async with Redis.from_url(redis_server.url) as client:
        await client.flushall()
    async with redis_profile(redis_settings(redis_server.url, database.url)) as app:
        event_id = await open_event(app.usecases, 100, strategy)

        results = await herd(app.usecases, event_id, 5_000)
        await drained(app.feed)

        granted = [r for r in results if isinstance(r, Coupon)]
        assert len(granted) == 100
        refused = (SoldOut, LockNotAcquired)  # `lock`: some give up queueing (503), by design
        assert all(isinstance(r, refused) for r in results if not isinstance(r, Coupon))
        in_redis = owners(await app.ledger.holdings(event_id))
        in_sql = owners(await app.archive.holdings(event_id))
        assert in_redis == in_sql == owners(granted)
        assert {number for number, _ in in_sql} == set(range(1, 101))
        archived = await app.archive.event(event_id)
        assert archived is not None
        assert (archived.quantity, archived.strategy, archived.issued) == (100, strategy, 100)


async def test_naive_doubles_are_counted_as_conflicts_and_reconcile_shows_them(
    redis_server: RedisServer, database: PostgresServer
) -> None:
    async with Redis.from_url(redis_server.url) as client:
        await client.flushall()
    async with redis_profile(redis_settings(redis_server.url, database.url)) as app:
        event_id = await open_event(app.usecases, 100, ClaimStrategy.NAIVE)

        results = await herd(app.usecases, event_id, 2_000)
        await drained(app.feed)

        granted = [r for r in results if isinstance(r, Coupon)]
        numbers = [coupon.coupon_id for coupon in granted]
        doubles = len(numbers) - len(set(numbers))
        assert doubles > 0, "no two naive claimers took the same number: the race went unseen"
        metrics = app.built.container.metrics()
        conflicts = metrics.registry.get_sample_value("ledger_conflicts_total")
        assert conflicts == doubles
        assert len(await app.archive.holdings(event_id)) == len(set(numbers))
        found = await ReconcileCoupons(app.ledger, app.archive, app.feed)(event_id, fix=True)
        assert len(found.found.conflicts) == doubles
        assert found.remaining is not None
        assert found.remaining.conflicts == found.found.conflicts, "never resolved by dropping"
        assert f"conflicting owners or numbers: {doubles}" in report(found)
        over = len(granted) - 100
        assert found.found.over_issued == over > 0
        assert f"Redis holds {len(granted)} coupons (over-issued by {over})" in report(found)


def worker_process(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "composition", "ledger-worker"],
            env={**os.environ, "PYTHONUNBUFFERED": "1", **environment},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def archived_count(database: PostgresServer) -> int:
    with psycopg.connect(database.dsn) as connection:
        row = connection.execute("SELECT count(*) FROM coupons").fetchone()
    assert row is not None
    return int(row[0])


async def test_a_worker_killed_mid_batch_loses_nothing_and_writes_nothing_twice(
    redis_server: RedisServer, database: PostgresServer, tmp_path: Path
) -> None:
    async with Redis.from_url(redis_server.url) as client:
        await client.flushall()
    settings = redis_settings(redis_server.url, database.url)
    environment = {
        "APP_PROFILE": "redis",
        "REDIS_URL": redis_server.url,
        "DATABASE_URL": database.url,
        "LEDGER_BATCH_SIZE": "50",
        "LEDGER_RECLAIM_IDLE_SECONDS": "1",
    }
    async with redis_profile(settings, worker=False) as app:
        event_id = await open_event(app.usecases, 2_000, ClaimStrategy.ATOMIC)
        await herd(app.usecases, event_id, 2_000)
        log = tmp_path / "workers.log"
        first = worker_process(environment, log)

        async def some_archived() -> bool:
            return archived_count(database) > 0

        await until(some_archived)
        async with database.locked("coupons"):  # the next batch is read, and stuck
            await until(partial(_blocked_writing, database))
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        left = await app.feed.backlog()
        archived_at_kill = archived_count(database)
        assert left.pending > 0, "the killed worker left entries pending"
        assert 0 < archived_at_kill < 2_000

        second = worker_process(environment, log)
        await drained(app.feed)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0

        assert owners(await app.archive.holdings(event_id)) == owners(
            await app.ledger.holdings(event_id)
        )
        assert archived_count(database) == 2_000
        lines = log.read_text().splitlines()
        last = [line for line in lines if "taken over" in line][-1]
        assert "conflicts 0" in last
        assert "taken over 0" not in last, "the new worker took over the dead one's entries"
        print(
            f"killed with {archived_at_kill} archived, {left.pending} pending and {left.unread} "
            f"unread; the next worker: {last.split(': ', 1)[1]}"
        )


async def _blocked_writing(database: PostgresServer) -> bool:
    """Whether a worker waits on the lock the test holds: it has read a batch (pending until
    written and acknowledged, which cannot happen while the lock is held)."""
    with psycopg.connect(database.dsn) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND application_name = 'redis-practice'"
        ).fetchone()
    return row is not None and row[0] > 0


async def test_every_claim_answered_is_archived_across_a_redis_restart_from_its_aof(
    durable_redis: RedisServer, database: PostgresServer
) -> None:
    settings = redis_settings(durable_redis.url, database.url, request_deadline_seconds=2.0)
    async with redis_profile(settings) as app:
        event_id = await open_event(app.usecases, 5_000, ClaimStrategy.ATOMIC)
        first_run = await run_id(durable_redis)
        answered: list[Coupon] = []
        under_way = asyncio.Event()

        async def claim(n: int) -> None:
            with contextlib.suppress(PortError):  # 503: refused while Redis is down
                answered.append(await app.usecases.claim_coupon(event_id, UserId(f"user{n}")))
            if len(answered) >= 500:
                under_way.set()

        async def claims(start: int) -> None:
            for n in range(start, 3_000, 20):
                await claim(n)

        herd_task = asyncio.gather(*(claims(start) for start in range(20)))
        await under_way.wait()
        await asyncio.to_thread(durable_redis.restart)
        answered_before_restart = len(answered)
        await herd_task
        await drained(app.feed)

        assert answered_before_restart < len(answered), "the herd went on after the restart"
        assert await run_id(durable_redis) != first_run, "the server was restarted"
        in_sql = owners(await app.archive.holdings(event_id))
        assert owners(answered) <= in_sql, "a claim answered 201 is missing from SQL"
        assert in_sql == owners(await app.ledger.holdings(event_id))


async def run_id(server: RedisServer) -> str:
    async with Redis.from_url(server.url) as client:
        info = await client.info("server")
    return str(info["run_id"])


async def test_claims_go_on_while_sql_is_down_and_the_worker_catches_up(tmp_path: Path) -> None:
    with running_postgres() as own, running_redis(tmp_path / "redis") as redis:
        upgrade(own.url)
        settings = redis_settings(redis.url, own.url, request_deadline_seconds=2.0)
        async with redis_profile(settings) as app:
            event_id = await open_event(app.usecases, 1_000, ClaimStrategy.ATOMIC)
            metrics = app.built.container.metrics()
            await asyncio.to_thread(own.stop)

            granted = [r for r in await herd(app.usecases, event_id, 300) if isinstance(r, Coupon)]
            assert len(granted) == 300, "Redis decides: claims succeed without the database"

            async def lagging() -> bool:
                return (metrics.registry.get_sample_value("ledger_lag_seconds") or 0) >= 1

            await until(lagging, within=20)
            backlog = await app.feed.backlog()
            assert backlog.pending + backlog.unread == 300

            await asyncio.to_thread(own.start)
            caught_up_in = await drained(app.feed)

            async def caught_up() -> bool:
                return metrics.registry.get_sample_value("ledger_lag_seconds") == 0

            await until(caught_up, within=10)
            assert owners(await app.archive.holdings(event_id)) == owners(granted)
            print(f"caught up {caught_up_in:.2f} s after the database came back")


async def test_reconcile_finds_drift_repairs_it_and_is_clean_after(
    redis_server: RedisServer, database: PostgresServer
) -> None:
    async with Redis.from_url(redis_server.url) as client:
        await client.flushall()
    settings = redis_settings(redis_server.url, database.url)
    async with redis_profile(settings) as app:
        event_id = await open_event(app.usecases, 10, ClaimStrategy.ATOMIC)
        for n in range(10):  # one after the other: user<n> gets coupon n + 1
            await app.usecases.claim_coupon(event_id, UserId(f"user{n}"))
        await drained(app.feed)
    with psycopg.connect(database.dsn, autocommit=True) as connection:
        connection.execute("DELETE FROM coupons WHERE user_id = 'user3'")
    async with Redis.from_url(redis_server.url) as client:
        await client.zrem(keys.coupon_claims(event_id), "user7")
        await client.delete(keys.coupon_event(event_id))  # the event's definition
    environment = {
        "APP_PROFILE": "redis",
        "REDIS_URL": redis_server.url,
        "DATABASE_URL": database.url,
    }

    found = reconcile_command(environment, event_id)
    fixed = reconcile_command(environment, event_id, "--fix")
    again = reconcile_command(environment, event_id)

    print(found.stdout, fixed.stdout, again.stdout, sep="\n")
    assert found.returncode == 1, found.stderr
    assert "missing in the archive: 1\n    coupon 4 user 'user3'" in found.stdout
    assert "missing in Redis: 1\n    coupon 8 user 'user7'" in found.stdout
    assert "the event is missing in Redis" in found.stdout
    assert fixed.returncode == 0, fixed.stderr
    assert "archived 1 coupon(s) Redis held, restored 1 to Redis" in fixed.stdout
    assert "after the fix:\n  event" in fixed.stdout
    assert again.returncode == 0
    assert again.stdout.startswith(f"event {event_id}: clean")
    print(found.stdout, fixed.stdout, again.stdout, sep="\n")


def reconcile_command(
    environment: dict[str, str], event_id: int, *options: str
) -> subprocess.CompletedProcess[str]:
    command = ["-m", "composition", "coupons", "reconcile", str(event_id), *options]
    return run_python(command, environment, timeout=60)
