"""A Redis Cluster for tests: `ops/cluster.sh` (3 masters, 3 replicas) on free loopback ports,
its files in a temporary directory."""

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis.cluster import ClusterNode, RedisCluster

from tests.support.commands import run_script
from tests.support.redis_server import fail_or_skip

OPS = Path(__file__).resolve().parents[2] / "ops"
SCRIPT = OPS / "cluster.sh"
sys.path.insert(0, str(OPS))

from common import free_node_ports  # noqa: E402 - the ops scripts' own module: one copy of it


class ClusterTopology:
    """Driven through `ops/cluster.sh`, the same script the chaos runs use."""

    def __init__(self, directory: Path) -> None:
        self.ports = free_node_ports(8)
        self._environment = {
            **os.environ,
            "CLUSTER_DIR": str(directory),
            "CLUSTER_PORTS": ",".join(map(str, self.ports[:6])),
            "CLUSTER_SPARE_PORTS": ",".join(map(str, self.ports[6:])),
            # NOTE: 1000 ms, not ops/cluster.sh's 500: a CI machine running the whole suite is
            # far busier than a chaos run, and a false failover would fail unrelated tests.
            "NODE_TIMEOUT_MS": "1000",
            "MAXMEMORY": "64mb",
        }

    @property
    def nodes(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", port) for port in self.ports[:6]]

    def run(self, *arguments: str, timeout_seconds: float = 90) -> str:
        return run_script(SCRIPT, self._environment, *arguments, timeout_seconds=timeout_seconds)

    def master(self, key: str) -> int:
        """The port of the master that owns `key`'s slot."""
        return int(self.run("master", key).strip())

    def flush(self) -> None:
        """Empty every master (the replicas follow)."""
        startup = [ClusterNode(host, port) for host, port in self.nodes]  # type: ignore[no-untyped-call]
        with RedisCluster(startup_nodes=startup, socket_timeout=5) as client:
            client.flushall(target_nodes=RedisCluster.PRIMARIES)


@contextmanager
def running_cluster(directory: Path) -> Iterator[ClusterTopology]:
    """A healthy cluster, stopped on exit. Missing `redis-server`: see `fail_or_skip` (a
    failure with `CI=true`)."""
    cluster = ClusterTopology(directory)
    try:
        cluster.run("install")
        cluster.run("up")
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        with contextlib.suppress(RuntimeError, OSError, subprocess.TimeoutExpired):
            cluster.run("down")
        fail_or_skip(f"the Redis Cluster did not come up: {error}")
    try:
        yield cluster
    finally:
        cluster.run("down")
