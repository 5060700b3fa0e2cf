"""The two entry points, as a newcomer runs them: the CLI and the uvicorn factory."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from adapters.sql.migrations import HEAD
from tests.support.app_server import get
from tests.support.commands import run_python
from tests.support.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]


run = run_python


@pytest.mark.parametrize(
    "args",
    [
        ["-m", "composition", "serve"],
        ["-m", "uvicorn", "--factory", "composition.asgi:create_app"],
    ],
)
def test_a_bad_setting_stops_the_start_with_one_line(args: list[str]) -> None:
    result = run(args, {"OTP_TTL_SECONDS": "three"})

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "redis-practice: configuration error: OTP_TTL_SECONDS must be an integer, got 'three'"
    ]


def test_a_bad_option_is_refused_by_the_parser() -> None:
    result = run(["-m", "composition", "serve", "--port", "70000"], {})

    assert result.returncode == 2
    assert "port must be between 0 and 65535" in result.stderr


def post_usage(base: str, token: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/usage",
        data=b'{"source": "cli", "seq": 1}',
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def status_of(url: str, token: str | None = None) -> int:
    return get(url, headers={"Authorization": f"Bearer {token}"} if token else None)


def test_serve_answers_on_loopback_and_prints_the_generated_tokens() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ADMIN_TOKEN": "", "INGEST_TOKEN": "", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "composition", "serve", "--port", str(port), "--no-access-log"]
    with subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True) as server:  # noqa: S603
        try:
            assert server.stderr is not None
            first, second = server.stderr.readline(), server.stderr.readline()
            assert first.startswith("redis-practice: ADMIN_TOKEN is not set; generated")
            assert second.startswith("redis-practice: INGEST_TOKEN is not set; generated")
            admin, ingest = (line.rsplit(" ", 1)[1].strip() for line in (first, second))
            for line in server.stderr:
                if "Uvicorn running on" in line:
                    break

            assert status_of(f"{base}/healthz") == 200
            claims = f"{base}/coupon-events/1/claims"
            assert status_of(claims, admin) == 404, "the printed token is the admin token"
            assert status_of(claims, admin + "x") == 401
            assert ingest != admin
            assert post_usage(base, ingest) == 202, "the printed token ingests"
            assert post_usage(base, ingest + "x") == 401
        finally:
            server.send_signal(signal.SIGINT)
            stopped = server.wait(timeout=15)

    assert stopped == 0


def test_db_upgrade_migrates_and_current_tells(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notices.sqlite3'}"

    before = run(["-m", "composition", "db", "current"], {"DATABASE_URL": url})
    upgraded = run(["-m", "composition", "db", "upgrade"], {"DATABASE_URL": url})
    again = run(["-m", "composition", "db", "upgrade"], {"DATABASE_URL": url})

    assert before.stdout.strip().endswith("at revision none (empty)")
    assert (upgraded.returncode, again.returncode) == (0, 0)
    assert upgraded.stdout.strip().endswith(f"at revision {HEAD} (was empty)")
    assert again.stdout.strip().endswith(f"at revision {HEAD} (was {HEAD})")


def test_db_upgrade_against_an_unreachable_database_fails_in_one_line() -> None:
    port = free_port()
    url = f"postgresql://app:hunter2@127.0.0.1:{port}/notices"

    result = run(["-m", "composition", "db", "upgrade"], {"DATABASE_URL": url})

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"redis-practice: PostgreSQL database notices on 127.0.0.1:{port}: "
        "OperationalError: cannot reach it"
    ]
    assert "hunter2" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "args",
    [["coupons", "reconcile", "1"], ["coupons", "reconcile", "1", "--fix"], ["ledger-worker"]],
)
def test_ledger_commands_refuse_the_memory_profile_in_one_line(args: list[str]) -> None:
    result = run(["-m", "composition", *args], {"APP_PROFILE": "memory"})

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"redis-practice: {' '.join(args[:2]) if args[0] == 'coupons' else args[0]} needs "
        "APP_PROFILE=redis, sentinel or cluster: the memory profile keeps its ledger inside the "
        "serving process"
    ]


@pytest.mark.parametrize("event_id", ["abc", "0", "-1", "1.5", "٣", "9" * 30])
def test_reconcile_refuses_what_is_not_an_event_id(event_id: str) -> None:
    result = run(["-m", "composition", "coupons", "reconcile", event_id], {})

    assert result.returncode == 2
    assert "not an event id" in result.stderr


def test_reconcile_with_redis_unreachable_fails_in_one_line(tmp_path: Path) -> None:
    environment = {
        "APP_PROFILE": "redis",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        "REQUEST_DEADLINE_SECONDS": "0.5",
    }

    result = run(["-m", "composition", "coupons", "reconcile", "1"], environment)

    assert result.returncode == 3
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("redis-practice: a store is unreachable: redis is unreachable")
