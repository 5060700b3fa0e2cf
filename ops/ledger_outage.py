"""The coupon ledger through a database outage under claims: how far the archive falls behind,
and how long the ledger worker takes to catch up once the database is back.

    .venv/bin/python ops/ledger_outage.py [--outage 10] [--rate 100] [--before 5] [--after 10]

Starts its own Redis, PostgreSQL and one app instance (`redis` profile) on free loopback
ports, logs users in, and claims coupons at `--rate` per second from 4 threads for
`--before` seconds, then stops PostgreSQL for `--outage` seconds while the claims go on, starts
it again, and claims for `--after` seconds more. Meanwhile it samples /metrics every 0.2 s
(`ledger_lag_seconds`, pending and unread entries, entries written; the app updates them
every second). A claim is answered only once its coupon is archived, so during the outage
winners get 503: the claimers retry those at the end, as the API asks, and a retry must name
the coupon (409 with `coupon_id`). At the end it waits for the archive to hold everything,
runs `redis-practice coupons reconcile`, and writes reports/<time>-ledger-outage/summary.md
(and samples.csv). Exit status 1 when a coupon named to a claimer (201, or 409 on the retry)
is missing from SQL, a retry names none, or reconcile finds drift.

Traffic goes to 127.0.0.1 only; the run is bounded by the durations above.
"""

import argparse
import csv
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import stack
from common import ROOT, call_json, login, speaker

CAUGHT_UP_LAG = 0.5
say = speaker("ledger-outage")


@dataclass
class Sample:
    """The ledger's gauges at one moment (seconds since the claims began)."""

    at: float
    lag: float
    pending: float
    unread: float
    written: float


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


class Claimers:
    """Threads claiming coupons for fresh users at a fixed overall rate."""

    def __init__(
        self, base: str, event_id: int, sessions: list[tuple[str, str]], rate: float
    ) -> None:
        self._base, self._event_id, self._sessions = base, event_id, sessions
        self._interval = 4 / rate
        self._next = 0
        self._lock = threading.Lock()
        self.stop = threading.Event()
        self.granted: list[tuple[str, int]] = []
        self.named_on_retry: list[tuple[str, int]] = []
        self.unavailable: list[tuple[str, str]] = []
        """(user, token) of the claims answered 503 (the archive was down): retried at the end."""
        self.statuses: dict[int, int] = {}

    def _session(self) -> tuple[str, str] | None:
        with self._lock:
            if self._next >= len(self._sessions):
                return None
            self._next += 1
            return self._sessions[self._next - 1]

    def run(self) -> None:
        due = time.monotonic()
        while not self.stop.is_set():
            session = self._session()
            if session is None:
                return
            _, token = session
            status, document = call_json(
                "POST", f"{self._base}/coupon-events/{self._event_id}/claims", token=token
            )
            with self._lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 201:
                    self.granted.append((document["user_id"], document["coupon_id"]))
                elif status == 503:
                    self.unavailable.append(session)
            due += self._interval
            time.sleep(max(0.0, due - time.monotonic()))

    def retry_unavailable(self) -> dict[int, int]:
        """Claim again for every claimer answered 503; the statuses of the retries."""
        statuses: dict[int, int] = {}
        for user, token in self.unavailable:
            status, document = call_json(
                "POST", f"{self._base}/coupon-events/{self._event_id}/claims", token=token
            )
            statuses[status] = statuses.get(status, 0) + 1
            if status == 409 and isinstance(document.get("coupon_id"), int):
                self.named_on_retry.append((user, document["coupon_id"]))
        return statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=10.0, help="seconds without PostgreSQL")
    parser.add_argument("--rate", type=float, default=100.0, help="claims per second")
    parser.add_argument("--before", type=float, default=5.0, help="seconds of claims before")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of claims after")
    options = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = ROOT / "reports" / f"{started}-ledger-outage"
    report.mkdir(parents=True)
    total_seconds = options.before + options.outage + options.after
    users = int(options.rate * total_seconds * 1.2) + 10
    with stack.servers(report) as servers:
        base = servers.app("app")
        event = servers.post(base, "/coupon-events", {"name": "outage", "quantity": users})
        say(f"event {event['id']}: logging {users} users in")
        sessions = [(f"user{n}", login(base, f"user{n}")) for n in range(users)]
        claimers = Claimers(base, event["id"], sessions, options.rate)
        threads = [threading.Thread(target=claimers.run) for _ in range(4)]
        samples: list[Sample] = []
        origin = time.monotonic()
        marks: dict[str, float] = {}

        def sample() -> None:
            with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310
                text = response.read().decode()
            samples.append(
                Sample(
                    at=time.monotonic() - origin,
                    lag=metric(text, "ledger_lag_seconds"),
                    pending=metric(text, "ledger_pending_entries"),
                    unread=metric(text, "ledger_unread_entries"),
                    written=metric(text, "ledger_entries_written_total"),
                )
            )

        def sample_until(moment: float) -> None:
            while time.monotonic() - origin < moment:
                sample()
                time.sleep(0.2)

        pg_env = {**os.environ, "PG_PORT": servers.database_url.rsplit(":", 1)[1].split("/")[0],
                  "PG_DIR": str(report / "postgres")}  # fmt: skip
        for thread in threads:
            thread.start()
        say(f"claiming at {options.rate:g}/s")
        sample_until(options.before)
        stack.run([str(ROOT / "ops/postgres.sh"), "stop"], pg_env)
        marks["database stopped"] = time.monotonic() - origin
        say("PostgreSQL stopped; claims go on")
        sample_until(options.before + options.outage)
        stack.run([str(ROOT / "ops/postgres.sh"), "start"], pg_env)
        marks["database started"] = time.monotonic() - origin
        say("PostgreSQL started again")
        sample_until(total_seconds)
        claimers.stop.set()
        for thread in threads:
            thread.join()
        marks["claims stopped"] = time.monotonic() - origin
        while True:
            sample()
            last = samples[-1]
            if last.lag == 0 and last.pending == 0 and last.unread == 0:
                break
            if time.monotonic() - origin > total_seconds + 120:
                say("the archive did not catch up within 120 s")
                break
            time.sleep(0.2)
        # NOTE: claims go on after the outage, so a few fresh entries are always on their way:
        # caught up means the lag is back under CAUGHT_UP_LAG (the gauge updates every second).
        caught_up = next(
            (s.at for s in samples if s.at > marks["database started"] and s.lag < CAUGHT_UP_LAG),
            None,
        )
        say(f"retrying the {len(claimers.unavailable)} claims answered 503")
        retried = claimers.retry_unavailable()
        with psycopg.connect(servers.database_url.replace("+psycopg", "")) as connection:
            archived = {
                (user, number)
                for user, number in connection.execute(
                    "SELECT user_id, coupon_id FROM coupons WHERE event_id = %s", (event["id"],)
                )
            }
        reconcile = subprocess.run(  # noqa: S603 - our own console script
            [str(stack.VENV_BIN / "redis-practice"), "coupons", "reconcile", str(event["id"])],
            env={**os.environ, "APP_PROFILE": "redis", "REDIS_URL": servers.redis_url,
                 "DATABASE_URL": servers.database_url},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    named = {*claimers.granted, *claimers.named_on_retry}
    missing = named - archived
    unnamed = len(claimers.unavailable) - len(claimers.named_on_retry)
    during = [s for s in samples if marks["database stopped"] <= s.at <= marks["database started"]]
    with (report / "samples.csv").open("w", newline="") as output:
        writer = csv.writer(output)
        writer.writerow(["seconds", "lag_seconds", "pending", "unread", "written"])
        for s in samples:
            writer.writerow([f"{s.at:.2f}", s.lag, s.pending, s.unread, s.written])
    catch_up = (
        f"{caught_up - marks['database started']:.2f} s" if caught_up is not None else "never"
    )
    summary = "\n".join(
        [
            f"# Ledger through a {options.outage:g} s database outage ({started})",
            "",
            f"Claims at {options.rate:g}/s for {total_seconds:g} s; PostgreSQL stopped at "
            f"{marks['database stopped']:.1f} s, started at {marks['database started']:.1f} s.",
            "",
            "| figure | value |",
            "|---|---:|",
            f"| claims answered | {dict(sorted(claimers.statuses.items()))} |",
            f"| coupons granted (201) | {len(claimers.granted)} |",
            f"| claims answered 503 (archive down), retried at the end | "
            f"{dict(sorted(retried.items()))} |",
            f"| coupons named by those retries (409 with `coupon_id`) | "
            f"{len(claimers.named_on_retry)} |",
            f"| archived in SQL | {len(archived)} |",
            f"| named to a claimer but missing in SQL | {len(missing)} |",
            f"| highest lag during the outage | {max((s.lag for s in during), default=0):.1f} s |",
            f"| most entries waiting | "
            f"{max((s.pending + s.unread for s in samples), default=0):.0f} |",
            f"| caught up (lag < {CAUGHT_UP_LAG:g} s) after the database came back | {catch_up} |",
            f"| metric samples during the outage | {len(during)} |",
            "",
            f"`redis-practice coupons reconcile` afterwards (exit status {reconcile.returncode}):",
            "",
            "```",
            reconcile.stdout.strip() or reconcile.stderr.strip(),
            "```",
            "",
        ]
    )
    (report / "summary.md").write_text(summary)
    print(summary)
    say(f"report: {report}")
    return 0 if not missing and not unnamed and reconcile.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
