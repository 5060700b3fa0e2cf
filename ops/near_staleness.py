"""Read-your-writes across instances with the near cache on (issue 21): trials of a notice
posted on instance B, then `GET /notices` on instance A in a tight loop until the new notice is
listed. A read that omits it after B's 201 is a stale answer; API.md's rule allows none.

    .venv/bin/python ops/near_staleness.py [--trials 1000] [--cluster] [--delay-ms D]
        [--load-connections 16] [--near-cache true|false] [--pause-ms 20]

- Both instances run with NEAR_CACHE=true (`--near-cache false`: the control, reading Redis).
- Under load: wrk keeps A's cached `GET /notices` busy the whole run (`--load-connections 0`:
  no load), so A's event loop has requests queued when the post lands.
- `--delay-ms D` puts A D ms from Redis, each way (`ops/delay_proxy.py`: every connection of
  A, its tracking connection too), while B and the test client stay on loopback: the push to
  A then travels slower than B's 201 to the client and the client's read to A, the case where
  the near cache cannot know yet. One Redis only (a cluster's nodes give out their own
  addresses).

Between trials, a pause (`--pause-ms`) lets A's near cache fill again, so that each post
lands on pages A serves from memory. Per trial: the stale answers, and the window: from B's
201 to the answer of the last stale read (0 when the first read listed it). Reports p50, p99
and max of the window over the trials, the trials with a stale answer, A's near hits and
wrk's req/s.
"""

import argparse
import http.client
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import scrape, speaker
from delay_proxy import delayed
from stack import Servers, servers

say = speaker("near-staleness")
GIVE_UP_SECONDS = 10.0


def near_hits(base: str) -> float:
    return scrape(base).get('cache_requests_total{result="near_hit"}', 0.0)


class Client:
    """One keep-alive HTTP connection to an instance."""

    def __init__(self, base: str, token: str = "") -> None:
        host, port = base.removeprefix("http://").split(":")
        self._connection = http.client.HTTPConnection(host, int(port), timeout=10)
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        self._connection.request(method, path, body=data, headers=self._headers)
        response = self._connection.getresponse()
        return response.status, response.read()


def trial(number: int, writer: Client, reader: Client, pause_seconds: float) -> tuple[int, float]:
    """Post on B, read A until listed: (stale answers, seconds from the 201 to the last)."""
    reader.call("GET", "/notices")  # A holds the page before the post (and under load anyway)
    time.sleep(pause_seconds)  # NOTE: the last post's pages settle back into A's near cache
    status, body = writer.call("POST", "/notices", {"title": f"trial {number}", "body": "near"})
    acknowledged = time.perf_counter()
    if status != 201:
        raise SystemExit(f"near-staleness: POST /notices answered {status}: {body[:200]!r}")
    posted = json.loads(body)["id"]
    stale, last_stale = 0, acknowledged
    while time.perf_counter() - acknowledged < GIVE_UP_SECONDS:
        status, body = reader.call("GET", "/notices")
        if status != 200:
            raise SystemExit(f"near-staleness: GET /notices answered {status}: {body[:200]!r}")
        if any(item["id"] == posted for item in json.loads(body)["items"]):
            return stale, last_stale - acknowledged
        stale, last_stale = stale + 1, time.perf_counter()
    raise SystemExit(f"near-staleness: notice {posted} not listed on A after {GIVE_UP_SECONDS} s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(run_servers: Servers, args: argparse.Namespace) -> None:
    environment = {"NEAR_CACHE": args.near_cache}
    writer_base = run_servers.app("b", **environment)
    if args.delay_ms:
        host, port = run_servers.redis_url.removeprefix("redis://").split("/")[0].split(":")
        proxy = run_servers.stack.enter_context(
            delayed(host, int(port), delay_seconds=args.delay_ms / 1000)
        )
        environment["REDIS_URL"] = f"redis://127.0.0.1:{proxy}/0"
        say(f"A is {args.delay_ms} ms from Redis each way (proxy on port {proxy})")
    reader_base = run_servers.app("a", **environment)
    writer = Client(writer_base, run_servers.admin_token)
    reader = Client(reader_base)
    load: subprocess.Popen[bytes] | None = None
    if args.load_connections:
        if shutil.which("wrk") is None:
            raise SystemExit("near-staleness: needs wrk (or --load-connections 0)")
        load_log = (run_servers.work / "wrk.log").open("wb")
        load = subprocess.Popen(  # noqa: S603 - a fixed command on loopback
            ["wrk", "-t1", f"-c{args.load_connections}", "-d600s", f"{reader_base}/notices"],  # noqa: S607
            stdout=load_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        say(f"wrk -c{args.load_connections} on A's GET /notices for the whole run")
    hits_before = near_hits(reader_base)
    stale_counts: list[int] = []
    windows: list[float] = []
    started = time.monotonic()
    try:
        for number in range(1, args.trials + 1):
            stale, window = trial(number, writer, reader, args.pause_ms / 1000)
            stale_counts.append(stale)
            windows.append(window)
            if number % 100 == 0 or number == args.trials:
                say(
                    f"{number}/{args.trials} trials, {sum(stale_counts)} stale answers so far, "
                    f"{time.monotonic() - started:.0f} s"
                )
    finally:
        if load is not None:
            load.send_signal(signal.SIGINT)  # wrk prints its summary on SIGINT
            load.wait(timeout=10)
    hits = near_hits(reader_base) - hits_before
    elapsed = time.monotonic() - started
    loaded = ""
    if load is not None:
        output = (run_servers.work / "wrk.log").read_text()
        total = next((line for line in output.splitlines() if "requests in" in line), "")
        loaded = f"; wrk: {total.strip()}"
    milliseconds = [window * 1000 for window in windows]
    print(
        f"\nnear cache {args.near_cache}, {'cluster' if args.cluster else 'one Redis'}, "
        f"A {args.delay_ms} ms from Redis, load -c{args.load_connections}: {args.trials} trials "
        f"in {elapsed:.0f} s{loaded}\n"
        f"  stale answers: {sum(stale_counts)} in {sum(1 for s in stale_counts if s)} trials "
        f"(most in one trial: {max(stale_counts)})\n"
        f"  window (201 to the last stale answer), ms: p50 {statistics.median(milliseconds):.2f}"
        f", p99 {percentile(milliseconds, 0.99):.2f}, max {max(milliseconds):.2f}\n"
        f"  A's near hits during the run: {hits:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--load-connections", type=int, default=16)
    parser.add_argument("--near-cache", choices=["true", "false"], default="true")
    parser.add_argument("--pause-ms", type=float, default=20.0)
    args = parser.parse_args()
    if not 1 <= args.trials <= 100_000:
        parser.error("--trials: 1 to 100,000")
    if args.cluster and args.delay_ms:
        parser.error("--delay-ms needs one Redis: a cluster's nodes give out their own addresses")
    if not 0 <= args.delay_ms <= 1000 or not 0 <= args.pause_ms <= 10_000:
        parser.error("--delay-ms: 0 to 1000; --pause-ms: 0 to 10,000")
    with (
        tempfile.TemporaryDirectory(prefix="near-staleness-") as scratch,
        servers(Path(scratch), cluster=args.cluster) as run_servers,
    ):
        run(run_servers, args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
