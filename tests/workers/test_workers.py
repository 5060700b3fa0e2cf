"""One server, two worker processes (`serve --workers 2`) on the `redis` profile over
PostgreSQL: whatever crosses instances crosses workers too. Each test writes through a
connection one worker holds and reads through one the other holds (`tests.support.workers`).
The server is started without tokens or OTP secret: its workers share the ones it made."""

import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from tests.support.app_server import ROOT, AppServer, redis_environment, running_app
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer
from tests.support.workers import Pinned, pinned

T = TypeVar("T")
WORKERS = 2


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workers") / "server.log"


@pytest.fixture(scope="module")
def server(
    redis_server: RedisServer, migrated_postgres: PostgresServer, server_log: Path
) -> Iterator[AppServer]:
    redis_server.flush()
    migrated_postgres.empty()
    environment = redis_environment(redis_server.url, migrated_postgres.url, OTP_SECRET="")
    with running_app(environment, log=server_log, workers=WORKERS, tokens=False) as app:
        yield app


@pytest.fixture(scope="module")
def admin(server: AppServer, server_log: Path) -> dict[str, str]:
    """The admin token the server printed."""
    printed = re.findall(
        r"ADMIN_TOKEN is not set; generated for [^:]+: (\S+)", server_log.read_text()
    )
    assert len(printed) == 1, "the token is printed once, by the server"
    return {"Authorization": f"Bearer {printed[0]}"}


@pytest.fixture
def pair(server: AppServer) -> Iterator[tuple[Pinned, Pinned]]:
    """One connection on each worker."""
    with pinned(server, WORKERS) as groups:
        yield groups[0][0], groups[1][0]


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the calls on threads released together; their results in order."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        start.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def status_of(connection: Pinned, method: str, path: str, body: object = None) -> int:
    return connection.call(method, path, body)[0]


def login(connection: Pinned, user: str) -> dict[str, str]:
    _, issued = connection.call("POST", "/otp", {"user_id": user})
    status, session = connection.call(
        "POST", "/otp/verify", {"user_id": user, "code": issued["code"]}
    )
    assert status == 200, session
    return {"Authorization": f"Bearer {session['token']}"}


def metric(connection: Pinned, name: str) -> float:
    """One series of /metrics (the line that starts with `name`), 0 when absent."""
    connection.connection.request("GET", "/metrics")
    text = connection.connection.getresponse().read().decode()
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_the_printed_admin_token_works_on_every_worker(
    pair: tuple[Pinned, Pinned], admin: dict[str, str]
) -> None:
    for connection in pair:
        status, _ = connection.call("POST", "/notices", {"title": "t", "body": "b"}, admin)
        assert status == 201, f"worker {connection.worker}"
        assert connection.call("POST", "/notices", {"title": "t", "body": "b"})[0] == 401


def test_an_otp_issued_by_one_worker_verifies_on_the_other(pair: tuple[Pinned, Pinned]) -> None:
    issuer, verifier = pair
    for n in range(10):
        _, issued = issuer.call("POST", "/otp", {"user_id": f"crossing{n}"})
        status, _ = verifier.call(
            "POST", "/otp/verify", {"user_id": f"crossing{n}", "code": issued["code"]}
        )
        assert status == 200, f"code {n}"
        issuer, verifier = verifier, issuer


def test_a_notice_posted_through_one_worker_is_served_at_once_by_the_other(
    pair: tuple[Pinned, Pinned], admin: dict[str, str]
) -> None:
    for n in range(50):
        writer, reader = pair if n % 2 == 0 else pair[::-1]
        status, posted = writer.call("POST", "/notices", {"title": f"n{n}", "body": "b"}, admin)
        assert status == 201
        _, page = reader.call("GET", "/notices")
        assert page["items"][0]["id"] == posted["id"], f"round {n}: the page lacks the new notice"


def test_a_coupon_claimed_through_one_worker_is_listed_at_once_by_the_other(
    pair: tuple[Pinned, Pinned], admin: dict[str, str]
) -> None:
    _, event = pair[0].call("POST", "/coupon-events", {"name": "mine", "quantity": 60}, admin)
    for n in range(30):
        claimer, reader = pair if n % 2 == 0 else pair[::-1]
        headers = login(claimer, f"holder{n}")
        status, claimed = claimer.call(
            "POST", f"/coupon-events/{event['id']}/claims", None, headers
        )
        assert status == 201
        _, listing = reader.call("GET", "/me/coupons", None, headers)
        assert [item["coupon_id"] for item in listing["items"]] == [claimed["coupon_id"]], n


def test_a_post_costs_one_database_read_for_150_readers_on_each_worker(
    server: AppServer, admin: dict[str, str]
) -> None:
    with pinned(server, WORKERS, each=150) as groups:
        readers = [connection for group in groups for connection in group]
        writer = groups[0][0]
        writer.call("POST", "/notices", {"title": "stampede", "body": "b"}, admin)
        before = metric(writer, 'db_queries_total{operation="page"}')

        statuses = at_once([partial(status_of, c, "GET", "/notices") for c in readers])

        assert statuses == [200] * len(readers)
        for group in groups:  # the sum, whichever worker answers
            assert metric(group[1], 'db_queries_total{operation="page"}') - before == 1


def test_requests_to_every_worker_are_counted_whichever_worker_answers_the_scrape(
    server: AppServer,
) -> None:
    series = 'http_requests_total{method="GET",route="/healthz",status="200"}'
    with pinned(server, WORKERS, each=4) as groups:
        connections = [connection for group in groups for connection in group]
        before = [metric(group[0], series) for group in groups]
        assert before[0] == before[1]

        for n in range(1000):
            assert connections[n % len(connections)].call("GET", "/healthz")[0] == 200

        assert [metric(group[0], series) for group in groups] == [before[0] + 1000] * WORKERS


def events_of(stream: Any, count: int) -> list[tuple[str, str]]:
    """The next `count` events of a Server-Sent Events stream: (id, data)."""
    found: list[tuple[str, str]] = []
    event_id = ""
    while len(found) < count:
        line = stream.readline().decode().rstrip("\n")
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            found.append((event_id, line[6:]))
    return found


def test_a_publish_through_one_worker_reaches_subscribers_on_every_worker(
    server: AppServer, admin: dict[str, str]
) -> None:
    with pinned(server, WORKERS, each=2) as groups:
        streams = [group[0].stream("/events/stream?channel=crossing") for group in groups]
        assert [stream.status for stream in streams] == [200] * WORKERS
        for stream in streams:  # subscribed before the first line goes out
            assert stream.readline().startswith(b": subscribed")
        for n in range(5):
            publisher = groups[n % WORKERS][1]
            status, _ = publisher.call(
                "POST", "/events/crossing", {"type": "t", "payload": {"n": n}}, admin
            )
            assert status == 202

        received = [[data for _, data in events_of(stream, 5)] for stream in streams]

        expected = [f'{{"n":{n}}}' for n in range(5)]
        assert received == [expected] * WORKERS


def test_last_event_id_replays_on_any_worker(server: AppServer, admin: dict[str, str]) -> None:
    with pinned(server, WORKERS, each=2) as groups:
        first = groups[0][0].stream("/events/stream?channel=replayed")
        assert first.readline().startswith(b": subscribed")
        for n in range(4):
            groups[0][1].call("POST", "/events/replayed", {"type": "t", "payload": {"n": n}}, admin)
        seen = events_of(first, 4)

        again = groups[1][0].stream(
            "/events/stream?channel=replayed", {"Last-Event-ID": seen[0][0]}
        )
        assert again.readline().startswith(b": subscribed")

        assert events_of(again, 3) == seen[1:]


def test_an_otp_is_used_once_among_50_verifications_spread_over_the_workers(
    server: AppServer,
) -> None:
    with pinned(server, WORKERS, each=25) as groups:
        connections = [connection for group in groups for connection in group]
        _, issued = connections[0].call("POST", "/otp", {"user_id": "once"})
        body = {"user_id": "once", "code": issued["code"]}

        statuses = at_once(
            [partial(status_of, c, "POST", "/otp/verify", body) for c in connections]
        )

        assert statuses.count(200) == 1, statuses


def test_every_coupon_claimed_through_either_worker_is_archived_once(
    pair: tuple[Pinned, Pinned],
    admin: dict[str, str],
    migrated_postgres: PostgresServer,
    redis_server: RedisServer,
) -> None:
    """Both workers run a ledger worker; the archive holds each coupon once, the feed drains,
    and `coupons reconcile` finds Redis and the archive equal."""
    _, event = pair[0].call("POST", "/coupon-events", {"name": "archived", "quantity": 40}, admin)
    granted = []
    for n in range(40):
        claimer = pair[n % 2]
        headers = login(claimer, f"archived{n}")
        status, claimed = claimer.call(
            "POST", f"/coupon-events/{event['id']}/claims", None, headers
        )
        assert status == 201
        granted.append(claimed["coupon_id"])

    with psycopg.connect(migrated_postgres.dsn) as connection:
        rows = connection.execute(
            "SELECT coupon_id FROM coupons WHERE event_id = %s", (event["id"],)
        ).fetchall()
    assert sorted(row[0] for row in rows) == sorted(granted) == list(range(1, 41))
    give_up_at = time.monotonic() + 10
    while metric(pair[1], "ledger_unread_entries") + metric(pair[1], "ledger_pending_entries"):
        assert time.monotonic() < give_up_at, "the ledger feed did not drain"
        time.sleep(0.1)
    reconcile = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "composition", "coupons", "reconcile", str(event["id"])],
        env={"APP_PROFILE": "redis", "REDIS_URL": redis_server.url,
             "DATABASE_URL": migrated_postgres.url, "PATH": "/usr/bin:/bin"},
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
