"""`redis-practice serve --workers N` as a newcomer runs it: what it refuses in one line, what
the server does once before its workers start, and how it stops."""

import http.client
import itertools
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from uvicorn.config import STARTUP_FAILURE

from composition import asgi
from tests.support.app_server import AppServer, redis_environment, running_app
from tests.support.commands import run_python
from tests.support.redis_server import RedisServer, free_port
from tests.support.settings import INGEST_TOKEN
from tests.support.workers import Pinned, pinned, workers_of

SERVE = ["-m", "composition", "serve", "--port", "0"]
INGEST = {"Authorization": f"Bearer {INGEST_TOKEN}"}


@pytest.mark.parametrize(
    ("args", "environment", "message"),
    [
        (["--workers", "2"], {}, "WEB_CONCURRENCY=2 (--workers) needs the redis, sentinel or"),
        ([], {"WEB_CONCURRENCY": "3"}, "WEB_CONCURRENCY=3 (--workers) needs the redis, sentinel"),
        (["--workers", "0"], {}, "WEB_CONCURRENCY must be between 1 and 1024, got 0"),
        (["--workers", "-1"], {}, "WEB_CONCURRENCY must be between 1 and 1024, got -1"),
        (["--workers", "two"], {}, "WEB_CONCURRENCY must be an integer, got 'two'"),
        ([], {"WEB_CONCURRENCY": "abc"}, "WEB_CONCURRENCY must be an integer, got 'abc'"),
        (
            ["--workers", str(4 * (os.cpu_count() or 1) + 1)],
            {"APP_PROFILE": "redis"},
            f"WEB_CONCURRENCY={4 * (os.cpu_count() or 1) + 1} (--workers): at most 4 per core",
        ),
    ],
    ids=["memory", "memory-env", "zero", "negative", "word", "word-env", "past-the-cap"],
)
def test_a_worker_count_serve_cannot_run_is_refused_in_one_line(
    args: list[str], environment: dict[str, str], message: str
) -> None:
    result = run_python([*SERVE, *args], environment)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"redis-practice: configuration error: {message}")


def test_an_unreachable_database_to_migrate_stops_the_server_before_any_worker(
    redis_server: RedisServer,
) -> None:
    port = free_port()
    environment = {
        "APP_PROFILE": "redis",
        "REDIS_URL": redis_server.url,
        "DATABASE_URL": f"postgresql://app:hunter2@127.0.0.1:{port}/notices",
    }
    started = time.monotonic()

    result = run_python([*SERVE, "--workers", "2", "--migrate"], environment)

    assert result.returncode == 1
    assert time.monotonic() - started < 20, "it stopped instead of restarting workers"
    refusal = [line for line in result.stderr.splitlines() if "cannot migrate" in line]
    assert refusal == [
        f"redis-practice: PostgreSQL database notices on 127.0.0.1:{port}: OperationalError: "
        "cannot migrate it, so no worker was started"
    ]
    assert "Started server process" not in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_a_worker_that_cannot_build_its_app_exits_with_uvicorns_startup_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """So that the process manager stops the server instead of starting the next worker,
    which would fail the same way; one line says why."""

    def failing(settings: object) -> None:
        raise RuntimeError("the adapters could not be wired")

    monkeypatch.setenv("APP_PROFILE", "redis")
    monkeypatch.setattr(asgi, "build", failing)

    with pytest.raises(SystemExit) as exited:
        asgi.create_worker_app()

    assert exited.value.code == STARTUP_FAILURE
    assert capsys.readouterr().err.strip().splitlines() == [
        f"redis-practice: worker {os.getpid()} cannot build the app: RuntimeError: the "
        "adapters could not be wired"
    ]


def test_sqlite_is_migrated_once_by_the_server_not_by_its_workers(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    environment = redis_environment(redis_server.url, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    log = tmp_path / "server.log"
    with (
        running_app(environment, log=log, workers=2, log_level="info") as server,
        pinned(server, 2) as groups,
    ):
        for group in groups:
            assert group[0].call("GET", "/readyz")[0] == 200
        output = log.read_text()

    assert len(re.findall(r"migrated once, before the 2 workers start", output)) == 1
    assert "database schema migrated" not in output  # what a worker migrating would log


@pytest.fixture
def server(redis_server: RedisServer, tmp_path: Path) -> Iterator[AppServer]:
    """A server of two workers on the redis profile over SQLite."""
    redis_server.flush()
    environment = redis_environment(redis_server.url, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with running_app(environment, log=tmp_path / "server.log", workers=2) as app:
        yield app


def write_until_refused(
    connection: Pinned, source: str, first: int, acknowledged: list[int]
) -> None:
    """POST /usage with seq first, first + 1, ... until the server stops answering; the seqs
    answered 202 go to `acknowledged`."""
    for seq in itertools.count(first):
        try:
            status, _ = connection.call("POST", "/usage", {"source": source, "seq": seq}, INGEST)
        except (OSError, http.client.HTTPException):
            return
        if status == 202:
            acknowledged.append(seq)


def test_sigterm_lets_in_flight_writes_finish_ends_streams_cleans_up_and_exits_0(
    server: AppServer, redis_server: RedisServer
) -> None:
    with pinned(server, 2, each=3) as groups:
        streams = [group[0].stream("/events/stream?channel=ending") for group in groups]
        for stream in streams:
            assert stream.readline().startswith(b": subscribed")
        acknowledged: list[int] = []
        writers = [
            threading.Thread(
                target=write_until_refused, args=(c, "ending", n * 1_000_000, acknowledged)
            )
            for n, c in enumerate(c for group in groups for c in group[1:])
        ]
        for writer in writers:
            writer.start()
        while len(acknowledged) < 100:  # writes under way on every connection when it comes
            time.sleep(0.01)
        workers = workers_of(server)
        metrics = Path(workers[0].environ()["PROMETHEUS_MULTIPROC_DIR"])
        assert sorted(path.name for path in metrics.glob("counter_*.db")) == sorted(
            f"counter_{worker.pid}.db" for worker in workers
        )
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)

        for stream in streams:  # each stream ends within the grace period
            while stream.readline():
                pass
        ended = time.monotonic() - signalled
        for writer in writers:
            writer.join(timeout=15)
        assert server.process.wait(timeout=15) == 0

    assert ended < 5 + 2
    assert not any(worker.is_running() for worker in workers)
    assert not metrics.exists(), "the server removes its metrics directory at exit"
    with pytest.raises(ConnectionRefusedError):
        Pinned(server)
    stored = redis.Redis.from_url(redis_server.url).smembers("rp:usage:{ending}:seqs")
    assert len(acknowledged) > 100
    assert set(acknowledged) <= {int(seq) for seq in stored}, "an acknowledged write was lost"


def test_a_worker_killed_is_replaced_while_the_other_keeps_serving(server: AppServer) -> None:
    with pinned(server, 2) as groups:
        victim, survivor = groups[0][0].worker, groups[1][0]
        os.kill(victim, signal.SIGKILL)
        for _ in range(50):
            assert survivor.call("GET", "/healthz")[0] == 200

        give_up_at = time.monotonic() + 20
        while {worker.pid for worker in workers_of(server)} <= {victim, survivor.worker}:
            assert time.monotonic() < give_up_at, "no worker replaced the killed one"
            time.sleep(0.1)
    with pinned(server, 2) as groups:
        assert victim not in {group[0].worker for group in groups}
