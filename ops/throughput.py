"""Requests/s of a cached `GET /notices` (and, with --post, of `POST /usage`) against
`GET /healthz`, for several servers side by side in one run, with wrk on loopback.

Each target is one uvicorn worker serving a build of this project (a checkout directory, run
by its own .venv when it has one) on a profile. All targets run at once on CPU 0, wrk on CPU 1
(when taskset exists); every round measures each target's endpoints in turn, so a machine
that drifts slows every target alike.
Reports each round and, per target, the median req/s and the median ratio notices/healthz.

It also reads each server's CPU time around every wrk run: CPU microseconds per request are
steadier than req/s on a shared machine (a server saturated by wrk does nothing else), and
the ratios in "cpu" columns are computed from them (work per request, inverted, so that a
ratio above 1 means cheaper, like the req/s ratios).

    .venv/bin/python ops/throughput.py [--build NAME=DIR ...] [--profile memory|redis ...]
        [--workers N ...] [--baseline] [--post] [--rounds 5] [--seconds 6] [--connections 50]

--workers N (more than once to compare: `--workers 1 --workers 2`) serves each build with
`serve --workers N` (redis profile only when N > 1). Then nothing is pinned: the server's
workers and wrk share every core, as they would on a host without spare cores, and the CPU
per request is the whole server's (its workers and their parent).

--baseline adds `ops/baseline_app.py` (bare Falcon + one redis.asyncio GET of the same page
bytes) as one more target, and the report gives each target's /notices against it.

--near-cache runs each redis or cluster target a second time with NEAR_CACHE=true (issue 21).

--post adds the hot write: `POST /usage` with a small record and payload (the body decoded,
validated and appended to the store), reported like /notices (ratio usage/healthz).

Defaults: this checkout, memory profile. The redis profile needs a Redis: REDIS_URL, or
ops/redis.sh start; the cluster profile a cluster: REDIS_CLUSTER_NODES, or ops/cluster.sh up
(one cluster target at a time: a cluster has one database). Example, before and after a
change, both profiles:

    git worktree add /tmp/before HEAD~3
    .venv/bin/python ops/throughput.py --build before=/tmp/before --build after=. \\
        --profile memory --profile redis
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import redis
from common import ROOT, checkout, children, free_port
from throughput_report import report, round_line

NOTICES = 20
USAGE_BODY = (
    '{"source":"throughput","seq":7,'
    '"payload":{"kind":"api_call","path":"/v1/things","ms":12,"ok":true}}'
)


@dataclass
class Target:
    """One server: a build on a profile, or the bare baseline (`profile` "baseline")."""

    name: str
    directory: Path
    profile: str
    workers: int = 1
    spread: bool = False
    """Nothing pinned to a core (a comparison of worker counts)."""
    port: int = 0
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen[bytes] | None = None
    endpoints: tuple[str, ...] = ("healthz", "notices")
    environment: dict[str, str] = field(default_factory=dict)
    """Settings of this target's own (`--near-cache`: NEAR_CACHE=true)."""
    results: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    redis_commands: list[float] = field(default_factory=list)
    """Redis commands per 1,000 cached reads, each round (one Redis: the redis profile)."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def pinned(cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu)]
    return []


def request(method: str, url: str, token: str | None = None, body: bytes | None = None) -> bytes:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - loopback only
        data: bytes = response.read()
        return data


def start(target: Target, redis_url: str, database: int, scratch: Path) -> None:
    target.port = free_port()
    env = {
        **os.environ,
        "ADMIN_TOKEN": target.token,
        "APP_PROFILE": target.profile,
        "REDIS_URL": re.sub(r"/\d*$", f"/{database}", redis_url),
        "DATABASE_URL": f"sqlite:///{scratch / f'{database}.sqlite3'}",
        "OTP_SECRET": "throughput-otp-secret-0123456789",
        **target.environment,
    }
    if target.profile == "baseline":
        command = [
            *pinned(0), sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "ops"),
            "--factory", "baseline_app:create_app", "--port", str(target.port),
            "--http", "httptools", "--loop", "uvloop", "--no-access-log", "--log-level", "warning",
            "--no-proxy-headers",  # as the service serves (composition/cli.py)
        ]  # fmt: skip
    else:
        command = [
            *([] if target.spread else pinned(0)), interpreter(target.directory), "-m",
            "composition", "serve",
            "--port", str(target.port), "--no-access-log", "--log-level", "warning",
            "--workers", str(target.workers),
        ]  # fmt: skip
    target.process = subprocess.Popen(  # noqa: S603 - our interpreter, a checkout of ours
        command, cwd=target.directory, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    for _ in range(200):
        try:
            request("GET", f"{target.base}/healthz")
            break
        except OSError:
            time.sleep(0.05)
    else:
        raise SystemExit(f"{target.name}: the server did not start")
    if target.profile != "baseline":
        fill(target)


def interpreter(build: Path) -> str:
    """The build's own virtual environment when it has one (builds may pin different
    libraries), else this one."""
    own = build / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def fill(target: Target) -> None:
    for n in range(NOTICES):
        body = (
            f'{{"title":"Notice {n}","body":"Body of notice {n}, a sentence or two long so '
            f'that the page is realistic."}}'
        )
        request("POST", f"{target.base}/notices", target.token, body.encode())
    request("GET", f"{target.base}/notices")  # fills the cache


def cpu_seconds(process: subprocess.Popen[bytes] | None) -> float:
    """The user + system CPU time so far of the process and its children (a server's
    workers), from Linux /proc."""
    assert process is not None
    return sum(_cpu_of(pid) for pid in _tree(process.pid))


def _tree(pid: int) -> list[int]:
    return [pid, *(descendant for child in children(pid) for descendant in _tree(child))]


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # gone since it was listed
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def usage_script(target: Target, scratch: Path) -> Path:
    """A wrk script posting USAGE_BODY with the target's token."""
    script = scratch / f"usage-{target.port}.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = '{USAGE_BODY}'\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {target.token}"\n'
    )
    return script


def redis_calls(redis_url: str) -> int:
    """Commands the Redis at `redis_url` has run (`INFO commandstats`), INFO left out."""
    with redis.Redis.from_url(redis_url) as client:
        stats = client.info("commandstats")
    return sum(int(v["calls"]) for name, v in stats.items() if name != "cmdstat_info")


def idle_rate(redis_url: str, seconds: float = 3.0) -> float:
    """Commands per second Redis runs with every server idle (ledger workers, probes)."""
    before, started = redis_calls(redis_url), time.monotonic()
    time.sleep(seconds)  # NOTE: the measurement's window
    return (redis_calls(redis_url) - before) / (time.monotonic() - started)


def wrk(
    target: Target, endpoint: str, seconds: int, connections: int, scratch: Path
) -> tuple[float, float]:
    """Requests per second, and the server's CPU microseconds per request."""
    path = "/usage" if endpoint == "usage" else f"/{endpoint}"
    command = [
        *([] if target.spread else pinned(1)), "wrk", "-t1", f"-c{connections}",
        f"-d{seconds}s", f"{target.base}{path}",
    ]  # fmt: skip
    if endpoint == "usage":
        command += ["-s", str(usage_script(target, scratch))]
    before = cpu_seconds(target.process)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    spent = cpu_seconds(target.process) - before
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if match is None or total is None or re.search(r"Non-2xx", output):
        raise SystemExit(f"{target.name} {path}: wrk saw errors:\n{output}")
    return float(match.group(1)), spent / int(total.group(1)) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="append", default=[], metavar="NAME=DIR", type=checkout)
    parser.add_argument(
        "--profile", action="append", default=[], choices=["memory", "redis", "cluster"]
    )
    parser.add_argument("--workers", action="append", type=int, default=[], metavar="N")
    parser.add_argument("--baseline", action="store_true", help="add ops/baseline_app.py")
    parser.add_argument("--post", action="store_true", help="also measure POST /usage")
    parser.add_argument(
        "--near-cache",
        action="store_true",
        help="each redis or cluster target twice: without and with NEAR_CACHE=true",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if "cluster" in args.profile and not os.environ.get("REDIS_CLUSTER_NODES"):
        parser.error("--profile cluster needs REDIS_CLUSTER_NODES (ops/cluster.sh up prints it)")
    if shutil.which("wrk") is None:
        raise SystemExit("throughput: wrk is missing (Debian: apt-get install wrk)")
    builds = args.build or [("this", ROOT)]
    if "cluster" in args.profile and len(builds) * len(args.workers or [1]) > 1:
        parser.error("--profile cluster serves one target (a cluster has one database)")
    endpoints = ("healthz", "notices", "usage") if args.post else ("healthz", "notices")
    counts = args.workers or [1]
    spread = counts != [1]
    targets = [
        Target(
            f"{name}/{profile}" + (f"/w{workers}" if spread else ""),
            Path(directory).resolve(),
            profile,
            workers,
            spread,
            endpoints=endpoints,
        )
        for profile in args.profile or ["memory"]
        for name, directory in builds
        for workers in counts
    ]
    if args.near_cache:
        targets += [
            Target(
                f"{target.name}+near",
                target.directory,
                target.profile,
                target.workers,
                target.spread,
                endpoints=endpoints,
                environment={"NEAR_CACHE": "true"},
            )
            for target in list(targets)
            if target.profile in {"redis", "cluster"}
        ]
    if args.baseline:
        targets.append(Target("baseline", ROOT, "baseline"))
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    scratch = Path(tempfile.mkdtemp(prefix="throughput-"))
    try:
        for database, target in enumerate(targets, start=1):  # a Redis database each
            start(target, redis_url, database, scratch)
        page_bytes = request("GET", f"{targets[0].base}/notices")
        page = len(page_bytes)
        if args.baseline:  # the same bytes, under the baseline's key in its own database
            baseline_db = re.sub(r"/\d*$", f"/{len(targets)}", redis_url)
            subprocess.run(  # noqa: S603 - our interpreter
                [sys.executable, "-c", _STORE_BASELINE_PAGE, baseline_db],
                input=page_bytes,
                check=True,
            )
        print(
            f"GET /notices: {NOTICES} notices, {page} bytes, a cache hit; "
            f"wrk -t1 -c{args.connections} -d{args.seconds}s; {args.rounds} rounds; "
            + (
                f"{len(targets)} servers and wrk on every core, unpinned"
                if spread
                else f"{len(targets)} servers on CPU 0, wrk on CPU 1"
            )
            + (f"; POST /usage {len(USAGE_BODY)} bytes" if args.post else ""),
            flush=True,
        )
        for target in targets:  # warm-up
            for endpoint in target.endpoints:
                wrk(target, endpoint, 1, args.connections, scratch)
        idle = idle_rate(redis_url) if "redis" in args.profile else 0.0
        for round_ in range(1, args.rounds + 1):
            for target in targets:
                for endpoint in target.endpoints:
                    counted = endpoint == "notices" and target.profile == "redis"
                    calls, started = redis_calls(redis_url) if counted else 0, time.monotonic()
                    rps, cpu = wrk(target, endpoint, args.seconds, args.connections, scratch)
                    target.results[endpoint].append(rps)
                    target.cpu[endpoint].append(cpu)
                    if counted:
                        elapsed = time.monotonic() - started
                        ran = redis_calls(redis_url) - calls - idle * elapsed
                        target.redis_commands.append(ran / (rps * args.seconds) * 1000)
                print(f"round {round_} {target.name:<16}", round_line(target), flush=True)
    finally:
        for target in targets:
            if target.process is not None:
                target.process.terminate()
                target.process.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)
    report(targets, targets[-1] if args.baseline else None)
    measured = [target for target in targets if target.redis_commands]
    if measured:
        print(
            f"\nRedis commands per 1,000 cached GET /notices (INFO commandstats, less the "
            f"{idle:.0f}/s Redis runs with every server idle), median of the rounds:"
        )
        for target in measured:
            print(f"  {target.name:<16} {statistics.median(target.redis_commands):8.1f}")


_STORE_BASELINE_PAGE = (
    "import sys, redis; "
    "redis.Redis.from_url(sys.argv[1]).set('baseline:page', sys.stdin.buffer.read())"
)


if __name__ == "__main__":
    main()
