"""Faults with the near cache on (issue 21). Instance A serves `GET /notices` from its near cache
under load (wrk) while instance B posts notices one after another, the whole run; after every
201, A is read until it lists the notice. A fault hits the Redis that holds the page cache
(Sentinel's master, or the cluster master of the `{notices}` slot) a few seconds in, so posts
go on right after it. A read of A that omits a notice B had acknowledged is a stale answer: the
goal is none.

    .venv/bin/python ops/near_chaos.py --topology sentinel|cluster --fault kill|pause|flushall
        [--runs 3] [--seconds 12] [--pause-seconds 5] [--pause-ms 20] [--near-cache false]
        [--keep DIR]

- kill: SIGKILL to that master (on a cluster, started again once its replica took over, as a
  supervisor would); pause: SIGSTOP for `--pause-seconds`; flushall: `FLUSHALL` on every master.
- Writes wait for a replica (`REDIS_WAIT_REPLICAS=1`), as in the chaos runs; down-after and the
  cluster node timeout are 500 ms (docs/ha.md).
- Between posts, `--pause-ms` lets A's near cache fill again (A serves the page from memory
  when the next post lands).
- Per run: posts acknowledged and refused (503), reads of A, stale answers and the longest
  window (201 to the last stale answer), A's near hits and its near cache's flushes by reason
  (which show it saw the fault).
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from chaos_topology import ClusterTopology, Topology
from common import free_port, scrape, speaker
from near_staleness import Client
from stack import Servers, postgres

say = speaker("near-chaos")
NOTICES_KEY = "rp:{notices}:generation"
"""The cache's generation: its slot is the page cache's, whose master the fault hits."""
FAULT_AT = 3.0
LISTED_WITHIN = 5.0


@dataclass
class Tally:
    """What one run saw."""

    acknowledged: int = 0
    refused: int = 0
    reads: int = 0
    stale: int = 0
    longest: float = 0.0
    unlisted: list[int] = field(default_factory=list)
    """Notices acknowledged that A had not listed within `LISTED_WITHIN` s."""


def inject(topology: Topology | ClusterTopology, fault: str, pause_seconds: float) -> str:
    """The fault, on the master of the page cache; what was done."""
    target = [NOTICES_KEY] if isinstance(topology, ClusterTopology) else []
    old = topology.master(NOTICES_KEY)
    if fault == "flushall":
        masters = topology.masters() if isinstance(topology, ClusterTopology) else [old]
        for port in masters:
            command = ["redis-cli", "-p", str(port), "FLUSHALL"]
            subprocess.run(command, check=True, capture_output=True)  # noqa: S603
        return f"FLUSHALL on {', '.join(map(str, masters))}"
    if fault == "pause":
        topology.run("pause-master", *target, str(pause_seconds))
        return f"SIGSTOP to 127.0.0.1:{old} for {pause_seconds} s"
    topology.run("kill-master", *target)
    if isinstance(topology, ClusterTopology):
        while topology.owner(NOTICES_KEY) in (old, None):
            time.sleep(0.05)
        topology.run("revive", check=False)
    return f"SIGKILL to 127.0.0.1:{old}"


def post_and_read(
    writer: Client, reader: Client, until: float, tally: Tally, pause_seconds: float
) -> None:
    """Posts on B until `until`; after each 201, reads A until the notice is listed, then
    pauses, so that A's near cache holds the page again when the next post lands."""
    number = 0
    while time.monotonic() < until:
        number += 1
        time.sleep(pause_seconds)
        status, body = writer.call("POST", "/notices", {"title": f"chaos {number}", "body": "n"})
        if status == 503:
            tally.refused += 1
            continue
        if status != 201:
            raise SystemExit(f"near-chaos: POST /notices answered {status}: {body[:200]!r}")
        acknowledged, posted = time.perf_counter(), json.loads(body)["id"]
        tally.acknowledged += 1
        last_stale = acknowledged
        while True:
            status, body = reader.call("GET", "/notices")
            tally.reads += 1
            if status == 200 and any(item["id"] == posted for item in json.loads(body)["items"]):
                tally.longest = max(tally.longest, last_stale - acknowledged)
                break
            if status == 200:
                tally.stale += 1
                last_stale = time.perf_counter()
            if time.perf_counter() - acknowledged > LISTED_WITHIN:
                tally.unlisted.append(posted)
                break


def one_run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    with ExitStack() as stack:
        topology: Topology | ClusterTopology
        if args.topology == "cluster":
            topology = ClusterTopology(work / "cluster", node_timeout_ms=500)
        else:
            topology = Topology(work / "sentinel", min_replicas_to_write=1, down_after_ms=500)
        environment = topology.up()
        stack.callback(topology.run, "down", check=False)
        run_servers = Servers(
            redis_url="",
            database_url=postgres(work, free_port(), stack),
            admin_token=secrets.token_urlsafe(24),
            work=work,
            stack=stack,
        )
        settings = {**environment, "NEAR_CACHE": args.near_cache, "REDIS_WAIT_REPLICAS": "1"}
        writer = Client(run_servers.app("b", **settings), run_servers.admin_token)
        reader_base = run_servers.app("a", **settings)
        reader = Client(reader_base)
        load = subprocess.Popen(  # noqa: S603 - a fixed command on loopback
            ["wrk", "-t1", "-c16", f"-d{int(args.seconds) + 30}s", f"{reader_base}/notices"],  # noqa: S607
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        stack.callback(load.wait, 10)
        stack.callback(load.send_signal, signal.SIGINT)
        before = scrape(reader_base)
        done: list[str] = []
        fault = threading.Timer(
            FAULT_AT, lambda: done.append(inject(topology, args.fault, args.pause_seconds))
        )
        tally = Tally()
        fault.start()
        post_and_read(writer, reader, time.monotonic() + args.seconds, tally, args.pause_ms / 1000)
        fault.join()
        after = scrape(reader_base)
        grown = {name: after[name] - before.get(name, 0.0) for name in after}
        return {
            "fault": done[0] if done else "none (it failed: see above)",
            "tally": tally,
            "near_hits": grown.get('cache_requests_total{result="near_hit"}', 0.0),
            "flushes": {
                name.split('"')[1]: count
                for name, count in grown.items()
                if name.startswith("near_cache_flushes_total") and count
            },
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topology", choices=["sentinel", "cluster"], required=True)
    parser.add_argument("--fault", choices=["kill", "pause", "flushall"], required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--pause-seconds", type=float, default=5.0)
    parser.add_argument("--pause-ms", type=float, default=20.0)
    parser.add_argument("--near-cache", choices=["true", "false"], default="true")
    parser.add_argument(
        "--keep", type=Path, help="copy each run's logs (app, Redis, Sentinel) under this directory"
    )
    args = parser.parse_args()
    if not 1 <= args.runs <= 20 or not FAULT_AT + 2 <= args.seconds <= 120:
        parser.error(f"--runs: 1 to 20; --seconds: {FAULT_AT + 2:.0f} to 120")
    if not 0.5 <= args.pause_seconds <= 30 or args.pause_seconds > args.seconds - FAULT_AT:
        parser.error("--pause-seconds: 0.5 to 30, and ending within the run")
    if not 0 <= args.pause_ms <= 1000:
        parser.error("--pause-ms: 0 to 1000")
    results = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="near-chaos-") as scratch:
            result = one_run(args, Path(scratch))
            if args.keep is not None:
                kept = args.keep / f"run-{run}"
                shutil.copytree(
                    scratch,
                    kept,
                    ignore=shutil.ignore_patterns("*.rdb", "*.aof*", "base"),
                    dirs_exist_ok=True,
                )
        tally = result["tally"]
        assert isinstance(tally, Tally)
        say(
            f"run {run}/{args.runs}: {result['fault']}; posts {tally.acknowledged} acknowledged,"
            f" {tally.refused} refused; A read {tally.reads} times: {tally.stale} stale "
            f"(longest window {tally.longest * 1000:.1f} ms), {len(tally.unlisted)} never "
            f"listed; A's near hits {result['near_hits']:.0f}, flushes {result['flushes']}"
        )
        results.append(tally)
    stale = sum(tally.stale for tally in results)
    unlisted = sum(len(tally.unlisted) for tally in results)
    print(
        f"\n{args.topology} {args.fault}, NEAR_CACHE={args.near_cache}, {args.runs} runs: "
        f"{sum(t.acknowledged for t in results)} posts acknowledged, "
        f"{sum(t.refused for t in results)} refused; {sum(t.reads for t in results)} reads of A:"
        f" {stale} stale, {unlisted} acknowledged notices never listed"
    )
    raise SystemExit(1 if stale or unlisted else 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
