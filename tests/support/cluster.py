"""A Redis Cluster for tests: `ops/cluster.sh` (3 masters, 3 replicas) on free loopback ports,
its files in a temporary directory."""

import contextlib
import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis.cluster import ClusterNode, RedisCluster

from tests.support.commands import run_script
from tests.support.redis_server import fail_or_skip

SCRIPT = Path(__file__).resolve().parents[2] / "ops" / "cluster.sh"
BUS_OFFSET = 10_000
"""A node also listens on its port + 10,000 (the cluster bus): both must be free."""


def free_node_ports(count: int) -> list[int]:
    """`count` loopback ports free now, each with its bus port free too."""
    found: list[int] = []
    while len(found) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port + BUS_OFFSET > 65_535 or port in found:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + BUS_OFFSET))
            except OSError:
                continue
        found.append(port)
    return found


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
