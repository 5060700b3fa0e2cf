"""The coupon ledger on the `redis` profile, against a real Redis and a real PostgreSQL: what
Redis issues ends up in SQL, through herds, a killed worker, a Redis restarted from its
append-only file and a database outage; drift is found and repaired by `coupons reconcile`."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import psycopg
import pytest
from redis.asyncio import Redis

from adapters.redis import keys
from adapters.sql.migrations import upgrade
from adapters.system.clock import SystemClock
from adapters.system.secrets import SystemSecrets
from composition.ledger import report
from domain.model.coupons import ClaimStrategy, Coupon
from domain.model.errors import AlreadyClaimed, NumberTaken, SoldOut
from domain.model.identity import UserId
from domain.usecases.claims import ClaimCoupon
from domain.usecases.coupons import LiveEvents
from domain.usecases.reconciling import ReconcileCoupons
from ports.errors import LockNotAcquired, PortError
from tests.support.announcer import RecordingAnnouncer
from tests.support.clock import START
from tests.support.commands import run_python
from tests.support.coupons import ChecksBeforeActs
from tests.support.postgres_server import PostgresServer, running_postgres
from tests.support.profiles import (
    drained,
    herd,
    open_event,
    owners,
    redis_profile,
    redis_settings,
    until,
)
from tests.support.redis_server import RedisServer, running_redis
from tests.support.telemetry import CountingTelemetry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, with an append-only file synced on every write."""
    with running_redis(tmp_path / "redis", durable=True) as server:
        yield server


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


async def test_naive_doubles_are_refused_by_the_archive_and_reconcile_takes_them_back(
    redis_server: RedisServer, database: PostgresServer
) -> None:
    """The naive race, forced (every claimer checks the stock before any records): all 300
    take coupon 1 in Redis; the archive keeps one, the others are told the number is taken,
    the worker counts each double as a conflict, and reconcile takes them back from Redis."""
    async with Redis.from_url(redis_server.url) as client:
        await client.flushall()
    claimers = 300
    async with redis_profile(redis_settings(redis_server.url, database.url)) as app:
        racing = ChecksBeforeActs(app.ledger, claimers)
        claim = ClaimCoupon(
            LiveEvents(racing, app.archive, CountingTelemetry()), racing, app.archive,
            app.built.adapters.lock(), RecordingAnnouncer(), SystemSecrets(),
            CountingTelemetry(), SystemClock(), lock_ttl_seconds=10, lock_wait_seconds=10,
        )  # fmt: skip
        event_id = await open_event(app.usecases, 100, ClaimStrategy.NAIVE)

        results = await asyncio.gather(
            *(claim(event_id, UserId(f"user{n}")) for n in range(claimers)),
            return_exceptions=True,
        )
        await drained(app.feed)

        assert [r.coupon_id for r in results if isinstance(r, Coupon)] == [1]
        assert sum(isinstance(r, NumberTaken) for r in results) == claimers - 1
        metrics = app.built.container.metrics()
        assert metrics.registry.get_sample_value("ledger_conflicts_total") == claimers - 1
        assert len(await app.archive.holdings(event_id)) == 1
        found = await ReconcileCoupons(app.ledger, app.archive, app.feed)(event_id, fix=True)
        assert len(found.found.conflicts) == claimers - 1
        assert found.found.over_issued == claimers - 100
        assert f"Redis holds {claimers} coupons (over-issued by {claimers - 100})" in report(found)
        assert f"conflicting owners or numbers: {claimers - 1}" in report(found)
        assert found.remaining is not None
        assert found.remaining.clean, report(found)
        assert owners(await app.ledger.holdings(event_id)) == owners(
            await app.archive.holdings(event_id)
        )


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
        # Granted in Redis, never written to the archive: instances that died between the two
        # (the claim use-case writes every coupon it answers; the worker is the backstop).
        await asyncio.gather(
            *(
                app.ledger.claim_atomically(
                    event_id, UserId(f"user{n}"), claim_token=f"t{n}", claimed_at=START
                )
                for n in range(2_000)
            )
        )
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


async def test_with_sql_down_winners_get_503_and_a_retry_names_their_coupon_once_archived(
    tmp_path: Path,
) -> None:
    """Durability over availability: with the archive down, a winning claim is not answered
    (503); its coupon stays in Redis and the feed, the worker archives it once the database is
    back, and the claimer's retry then names it (409 with its `coupon_id`)."""
    with running_postgres() as own, running_redis(tmp_path / "redis") as redis:
        upgrade(own.url)
        settings = redis_settings(redis.url, own.url, request_deadline_seconds=2.0)
        async with redis_profile(settings) as app:
            event_id = await open_event(app.usecases, 1_000, ClaimStrategy.ATOMIC)
            metrics = app.built.container.metrics()
            await asyncio.to_thread(own.stop)

            refused = await herd(app.usecases, event_id, 300)
            assert all(isinstance(r, PortError) for r in refused), "no claim answered"
            live = await app.ledger.holdings(event_id)
            assert len(live) == 300, "each winner's coupon stays in Redis"

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
            assert owners(await app.archive.holdings(event_id)) == owners(live)
            retried = await herd(app.usecases, event_id, 300)
            named = {
                (r.coupon_id, f"user{n}")
                for n, r in enumerate(retried)
                if isinstance(r, AlreadyClaimed)
            }
            assert named == owners(live), "every retry names the coupon its claim won"
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
    assert "archived 1 coupon(s) only Redis held, put back or moved 1 in Redis" in fixed.stdout
    assert "after the fix:\n  event" in fixed.stdout
    assert again.returncode == 0
    assert again.stdout.startswith(f"event {event_id}: clean")
    print(found.stdout, fixed.stdout, again.stdout, sep="\n")


def reconcile_command(
    environment: dict[str, str], event_id: int, *options: str
) -> subprocess.CompletedProcess[str]:
    command = ["-m", "composition", "coupons", "reconcile", str(event_id), *options]
    return run_python(command, environment, timeout=60)
