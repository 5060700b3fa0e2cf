"""Redis loses everything in the middle of a coupon herd: what was promised, and what was kept.

    .venv/bin/python ops/flush_audit.py [--build NAME=DIR ...] [--strategy atomic --strategy lock]
        [--runs 10] [--users 2000] [--quantity 250] [--later 300]

For each build (a checkout directory; default this one) it starts two instances on the redis
profile over one Redis and one PostgreSQL of its own (free loopback ports). Each run opens an
event, logs `--users` users in, and lets them all claim at once over HTTP, split between the
two instances, while `FLUSHALL` hits Redis at a random moment in the first 0.6 s (sessions go
with it: claims after it answer 401). Then it waits for the ledger workers, runs the build's
`coupons reconcile EVENT --fix`, and lets `--later` fresh users claim on the same event.

Per run it checks what the API promises: every coupon named to a user (a 201, or a 409 with a
`coupon_id`) is in SQL; no number is named to two users, across the herd and the later
claims; no more than the quantity is named. The table at the end sums the runs per build and
strategy; exit status 1 when any promise broke.

Traffic goes to 127.0.0.1 only; every run is bounded (`--users` + `--later` claims).
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import stack
from common import ROOT, checkout, ledger_waiting, speaker
from redis import Redis

say = speaker("flush-audit")

FLUSH_WITHIN_SECONDS = 0.6
IN_FLIGHT = 400


@dataclass
class Tally:
    """One build and strategy, summed over its runs."""

    runs: int = 0
    granted: int = 0
    named_by_409: int = 0
    named: int = 0
    named_in_sql: int = 0
    numbers_twice: int = 0
    over_issued: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def broken(self) -> bool:
        return self.named_in_sql < self.named or self.numbers_twice > 0 or self.over_issued > 0


async def login_all(
    session: aiohttp.ClientSession, bases: list[str], users: list[str]
) -> dict[str, str]:
    limit = asyncio.Semaphore(100)

    async def login(n: int, user: str) -> tuple[str, str]:
        base = bases[n % len(bases)]
        async with limit:
            async with session.post(f"{base}/otp", json={"user_id": user}) as issued:
                code = (await issued.json())["code"]
            async with session.post(
                f"{base}/otp/verify", json={"user_id": user, "code": code}
            ) as verified:
                return user, (await verified.json())["token"]

    return dict(await asyncio.gather(*(login(n, u) for n, u in enumerate(users))))


async def claim_all(
    session: aiohttp.ClientSession, bases: list[str], event_id: int, tokens: dict[str, str]
) -> list[tuple[str, int, dict[str, Any]]]:
    """Every user claims once, at once (at most IN_FLIGHT requests out); (user, status, body)."""
    limit = asyncio.Semaphore(IN_FLIGHT)

    async def claim(n: int, user: str) -> tuple[str, int, dict[str, Any]]:
        url = f"{bases[n % len(bases)]}/coupon-events/{event_id}/claims"
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        async with limit, session.post(url, headers=headers) as response:
            body = await response.json(content_type=None)
            return user, response.status, body if isinstance(body, dict) else {}

    return list(await asyncio.gather(*(claim(n, u) for n, u in enumerate(tokens))))


def named(answers: list[tuple[str, int, dict[str, Any]]]) -> set[tuple[str, int]]:
    """(user, coupon) for every answer that named a coupon to its user."""
    return {
        (user, int(body["coupon_id"]))
        for user, status, body in answers
        if status in (201, 409) and isinstance(body.get("coupon_id"), int)
    }


async def herd_with_flush(
    servers: stack.Servers, bases: list[str], event_id: int, users: list[str], flush_after: float
) -> list[tuple[str, int, dict[str, Any]]]:
    """Log `users` in, then let them claim at once while Redis is flushed `flush_after` s in."""
    redis = Redis.from_url(servers.redis_url)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tokens = await login_all(session, bases, users)

        async def flush() -> None:
            await asyncio.sleep(flush_after)  # the fault, at a random moment of the herd
            await asyncio.to_thread(redis.flushall)

        claimed = asyncio.gather(claim_all(session, bases, event_id, tokens), flush())
        answers: list[tuple[str, int, dict[str, Any]]] = (await claimed)[0]
    redis.close()
    return answers


async def claims_of(
    bases: list[str], event_id: int, users: list[str]
) -> list[tuple[str, int, dict[str, Any]]]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        return await claim_all(session, bases, event_id, await login_all(session, bases, users))


def one_run(
    servers: stack.Servers,
    build: Path,
    bases: list[str],
    strategy: str,
    run: int,
    options: argparse.Namespace,
) -> Tally:
    draw = random.Random(f"{strategy}-{run}")  # noqa: S311 - a fault's timing, not a secret
    flush_after = draw.uniform(0, FLUSH_WITHIN_SECONDS)
    event = servers.post(
        bases[0],
        "/coupon-events",
        {"name": f"flush {run}", "quantity": options.quantity, "strategy": strategy},
    )
    herd = [f"r{run}-{strategy}-u{n}" for n in range(options.users)]
    answers = asyncio.run(herd_with_flush(servers, bases, event["id"], herd, flush_after))
    give_up = time.monotonic() + 30
    while ledger_waiting(bases) > 0 and time.monotonic() < give_up:
        time.sleep(0.2)  # the ledger workers archive what the feed still holds
    env = {**os.environ, "APP_PROFILE": "redis", "REDIS_URL": servers.redis_url,
           "DATABASE_URL": servers.database_url}  # fmt: skip
    fixed = subprocess.run(  # noqa: S603 - the build's own entry point
        [sys.executable, "-m", "composition", "coupons", "reconcile", str(event["id"]), "--fix"],
        env={**env, "PYTHONPATH": str(build)}, cwd=build, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    later_users = [f"r{run}-{strategy}-later{n}" for n in range(options.later)]
    later = asyncio.run(claims_of(bases, event["id"], later_users))
    with psycopg.connect(servers.database_url.replace("+psycopg", "")) as connection:
        archived = {
            (user, number)
            for user, number in connection.execute(
                "SELECT user_id, coupon_id FROM coupons WHERE event_id = %s", (event["id"],)
            )
        }
    promised = named(answers) | named(later)
    holders = Counter(number for _, number in promised)
    tally = Tally(runs=1)
    tally.statuses.update(status for _, status, _ in [*answers, *later])
    tally.granted = sum(status == 201 for _, status, _ in answers)
    tally.named_by_409 = sum(
        status == 409 and isinstance(body.get("coupon_id"), int) for _, status, body in answers
    )
    tally.named = len(promised)
    tally.named_in_sql = len(promised & archived)
    tally.numbers_twice = sum(count - 1 for count in holders.values() if count > 1)
    tally.over_issued = max(0, len({user for user, _ in promised}) - options.quantity)
    say(
        f"{strategy} run {run + 1}: flush {flush_after * 1000:.0f} ms in; "
        f"{tally.granted} 201s, {tally.named} named ({tally.named_in_sql} in SQL), numbers "
        f"twice {tally.numbers_twice}, over-issued {tally.over_issued}; reconcile --fix exit "
        f"{fixed.returncode}; statuses {dict(sorted(tally.statuses.items()))}"
    )
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=checkout, action="append")
    parser.add_argument("--strategy", action="append", choices=["atomic", "lock"])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--quantity", type=int, default=250)
    parser.add_argument("--later", type=int, default=300)
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    builds = options.build or [("this", ROOT)]
    strategies = options.strategy or ["atomic", "lock"]
    tallies: dict[tuple[str, str], Tally] = {}
    for name, path in builds:
        work = Path(tempfile.mkdtemp(prefix="flush-audit-"))
        try:
            with stack.servers(work) as servers:
                limits = {"OTP_EXPOSE_CODE": "true", "OTP_CLIENT_ISSUE_LIMIT": "0"}
                bases = [servers.app(f"{name}-{n}", path, **limits) for n in (1, 2)]
                for strategy in strategies:
                    total = tallies.setdefault((name, strategy), Tally(runs=0))
                    for run in range(options.runs):
                        _add(total, one_run(servers, path, bases, strategy, run, options))
        except KeyboardInterrupt:
            say("interrupted: everything started was stopped")
            return 130
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(
        "\n| build | strategy | runs | 201s | coupons named (201 or 409) | of them in SQL "
        "| numbers named twice | over-issued |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (name, strategy), total in tallies.items():
        print(
            f"| {name} | {strategy} | {total.runs} | {total.granted} | {total.named} "
            f"| {total.named_in_sql} | {total.numbers_twice} | {total.over_issued} |"
        )
    return 1 if any(total.broken for total in tallies.values()) else 0


def _add(total: Tally, run: Tally) -> None:
    total.runs += run.runs
    total.granted += run.granted
    total.named_by_409 += run.named_by_409
    total.named += run.named
    total.named_in_sql += run.named_in_sql
    total.numbers_twice += run.numbers_twice
    total.over_issued += run.over_issued
    total.statuses.update(run.statuses)


if __name__ == "__main__":
    raise SystemExit(main())
