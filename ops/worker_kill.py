"""A worker of a server killed under load, audited: one app instance of `--workers N` (2)
processes on the redis profile takes k6's ingestion (200 POST /usage a second for 20 s, as the
chaos runs), one of its workers gets SIGKILL at 30% of the run, and afterwards every `seq`
answered 202 is looked up in Redis. Also measured: when the process manager had a new worker
in its place, and the 202s per second the other workers kept answering meanwhile.

    .venv/bin/python ops/worker_kill.py [--runs 3] [--workers 2] [--rate 200] [--seconds 20]

Writes reports/<time>-worker-kill/summary.md; exit 1 when an acknowledged write was lost.
"""

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import chaos
import load
import stack
from chaos_audit import audit, read_samples, stored_seqs
from chaos_model import Outcome, Variant
from common import ROOT, children, speaker

say = speaker("worker-kill")
VARIANT = Variant("kill-worker", 0, "kill")


@dataclass
class Run:
    """One run's audit, and what the process manager and the other workers did."""

    outcome: Outcome
    replaced_after: float | None
    """Seconds from the kill until a new worker process was there (None: never)."""
    rate_meanwhile: float
    """202s per second in the 2 s after the kill (the other workers serving)."""


def workers_of(pid: int) -> set[int]:
    """The worker processes of the server `pid` (its children that multiprocessing spawned)."""
    return {
        child
        for child in children(pid)
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    }


def run_once(number: int, options: argparse.Namespace, report: Path) -> Run:
    name = f"kill-worker-{number}"
    outcome = Outcome(VARIANT, number)
    work = Path(tempfile.mkdtemp(prefix="worker-kill-"))
    with stack.servers(work, options.workers) as servers:
        base = servers.app("app")
        server = servers.processes["app"]
        output = work / "k6.json"
        k6 = chaos.start_k6(base, servers.ingest_token, output, options, source=name, report=report)
        time.sleep(options.seconds * 0.3)
        before = workers_of(server.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.time()
        outcome.faults = [killed_at]
        say(f"{name}: SIGKILL to worker {victim} of {sorted(before)}")
        replaced_after = None
        while k6.poll() is None:
            if replaced_after is None and workers_of(server.pid) - before:
                replaced_after = time.time() - killed_at
            time.sleep(0.05)
        port = int(servers.redis_url.rsplit(":", 1)[1].split("/")[0])
        audit(outcome, read_samples(output), stored_seqs(port, name))
    ok = [s.at for s in outcome.samples if s.status == 202 and 0 <= s.at - killed_at < 2]
    result = Run(outcome, replaced_after, len(ok) / 2)
    say(
        f"{name}: {outcome.acknowledged} acknowledged, {outcome.lost} lost, "
        f"{outcome.stored_unacknowledged} stored unacknowledged, statuses {outcome.statuses}, "
        f"202/s in the 2 s after the kill {result.rate_meanwhile:.0f}, replaced after "
        + (f"{replaced_after:.2f} s" if replaced_after is not None else "never")
    )
    return result


def summary(runs: list[Run], options: argparse.Namespace) -> str:
    rows = [
        f"| {run.outcome.number} | {run.outcome.requests} | {run.outcome.acknowledged} | "
        f"{run.outcome.lost} | {run.outcome.stored_unacknowledged} | "
        f"{sum(n for status, n in run.outcome.statuses.items() if status != 202)} | "
        f"{run.rate_meanwhile:.0f} | {run.outcome.rate_after:.0f} | "
        + (f"{run.replaced_after:.2f}" if run.replaced_after is not None else "never")
        + " |"
        for run in runs
    ]
    return "\n".join(
        [
            "# A worker killed under load",
            "",
            "| run | requests | acknowledged (202) | lost | stored, never acknowledged "
            "| other answers (errors, 503) | 202/s in the 2 s after the kill | 202/s after "
            "| new worker process started after s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"- one app instance of {options.workers} workers on the redis profile (its own "
            f"Redis and PostgreSQL), on {os.cpu_count()} cores shared with k6; loopback only",
            f"- k6: constant-arrival-rate {options.rate} POST /usage per second for "
            f"{options.seconds} s, 5 s request timeout; SIGKILL to one worker at 30% of the run",
            "- lost: answered 202 and missing from Redis afterwards; other answers: requests "
            "the killed worker held when it died (connection reset: k6 status 0) or 503s",
            f"- median 202/s in the 2 s after the kill: "
            f"{statistics.median(run.rate_meanwhile for run in runs):.0f}",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=load.workers, default=2)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    options = parser.parse_args()
    if not (1 <= options.runs <= 10 and 1 <= options.rate <= 2000 and 5 <= options.seconds <= 120):
        parser.error("--runs 1-10, --rate 1-2000, --seconds 5-120 (bounded load on this machine)")
    if options.workers < 2:
        parser.error("--workers must be 2 or more: one must be left to serve")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop what was started
    report = options.reports / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-worker-kill"
    report.mkdir(parents=True, exist_ok=True)
    runs = [run_once(number, options, report) for number in range(1, options.runs + 1)]
    (report / "summary.md").write_text(summary(runs, options))
    say(f"done: {report / 'summary.md'}")
    return 1 if any(run.outcome.lost for run in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
