"""A Sentinel topology for tests: `ops/sentinel.sh` (one master, two replicas, three
Sentinels) on free loopback ports, its files in a temporary directory."""

import contextlib
import gc
import os
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from redis.sentinel import Sentinel

from tests.support.commands import run_script
from tests.support.redis_server import fail_or_skip, free_port

SCRIPT = Path(__file__).resolve().parents[2] / "ops" / "sentinel.sh"
SERVICE = "redis-practice-test"


class SentinelTopology:
    """Driven through `ops/sentinel.sh`, the same script the chaos runs use."""

    def __init__(self, directory: Path, *, down_after_ms: int = 1000) -> None:
        # NOTE: 1000 ms, not ops/sentinel.sh's 500: a CI machine running the whole suite is
        # far busier than a chaos run, and a false failover would fail unrelated tests.
        self.redis_ports = [free_port() for _ in range(3)]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self._environment = {
            **os.environ,
            "SENTINEL_DIR": str(directory),
            "REDIS_PORTS": ",".join(map(str, self.redis_ports)),
            "SENTINEL_PORTS": ",".join(map(str, self.sentinel_ports)),
            "SENTINEL_SERVICE": SERVICE,
            "DOWN_AFTER_MS": str(down_after_ms),
            "MAXMEMORY": "64mb",
        }

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", port) for port in self.sentinel_ports]

    @property
    def service(self) -> str:
        return SERVICE

    def run(self, *arguments: str, timeout_seconds: float = 60) -> str:
        return run_script(SCRIPT, self._environment, *arguments, timeout_seconds=timeout_seconds)

    def up(self) -> None:
        self.run("up")

    def down(self) -> None:
        self.run("down")

    def master(self) -> int:
        return int(self.run("master").strip())

    def kill_master(self) -> int:
        """SIGKILL the master; returns its port."""
        lines = dict(line.split("=", 1) for line in self.run("kill-master").split())
        return int(lines["KILLED_MASTER"])

    def wait_for_new_master(self, old: int, timeout_seconds: float = 15) -> int:
        """The port the Sentinels promoted in place of `old`."""
        give_up_at = time.monotonic() + timeout_seconds
        while time.monotonic() < give_up_at:
            master = self.master()
            if master != old:
                return master
            time.sleep(0.05)
        raise TimeoutError(f"no new master within {timeout_seconds} s")

    def heal(self) -> None:
        """Start what was killed (it comes back as a replica) and wait until all is healthy."""
        self.run("revive")
        self.run("wait-healthy", "30")

    def flush(self) -> None:
        with Redis(port=self.master(), socket_timeout=5) as client:
            client.flushall()
            client.execute_command("WAIT", 2, 2000)


@contextmanager
def running_topology(directory: Path) -> Iterator[SentinelTopology]:
    """A healthy topology, stopped on exit. Missing `redis-sentinel`/`redis-server`: see
    `fail_or_skip` (a failure with `CI=true`)."""
    topology = SentinelTopology(directory)
    try:
        topology.run("install")
        topology.up()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        with contextlib.suppress(RuntimeError, OSError, subprocess.TimeoutExpired):
            topology.down()
        fail_or_skip(f"the Sentinel topology did not come up: {error}")
    try:
        yield topology
    finally:
        topology.down()


def collect_sentinel_leftovers() -> None:
    """Collect what redis-py's Sentinel clients left to the garbage collector, quietly.

    NOTE: under the contract suite's herds (2,000 concurrent claimers, 64 pooled connections
    each asking the Sentinels for the master), redis-py 8.1's Sentinel clients leave a few
    connections to the Sentinels unclosed; collected later, they warn (ResourceWarning) in
    whatever test runs then, which `filterwarnings = error` turns into a random failure. They
    are collected here, at the end of the test that made them (and ignored when the collector
    runs earlier, in the middle of it: tests/contract/conftest.py). The likely path: a
    connection to a Sentinel whose 0.25 s connect timeout fires just as the TCP connection
    completes, so that the StreamWriter `asyncio.open_connection` made is dropped unclosed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def master_address(sentinels: list[tuple[str, int]], service: str) -> tuple[str, int]:
    """Where the Sentinels say the master of `service` is."""
    sentinel = Sentinel(sentinels, socket_timeout=1)
    host, port = sentinel.discover_master(service)
    return str(host), int(port)
