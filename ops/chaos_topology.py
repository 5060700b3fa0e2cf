"""The topology of a chaos run, Sentinel (ops/sentinel.sh) or Cluster (ops/cluster.sh), the
faults injected into it (the master killed, or frozen, once or several times), and what its
logs say happened: the failovers and the phases of each."""

import argparse
import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from chaos_model import Switch, Variant
from common import ROOT, free_node_ports, free_port, speaker

say = speaker("chaos")


class Scripted:
    """A topology driven through one of our ops scripts, its files under `directory`."""

    script = ""
    directory: Path
    env: dict[str, str]

    def run(self, *arguments: str, check: bool = True, quiet: bool = False) -> str:
        """The script's output; a failure ends the run (`check`), is said, or (`quiet`) not."""
        done = subprocess.run(  # noqa: S603 - our own script
            [str(ROOT / "ops" / self.script), *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 and not check:
            if quiet:
                return done.stdout
            say(f"ops/{self.script} {' '.join(arguments)}: {done.stderr.strip()[-500:]}")
        elif done.returncode != 0:
            raise SystemExit(f"chaos: ops/{self.script} {' '.join(arguments)}: {done.stderr}")
        return done.stdout

    def up(self) -> dict[str, str]:
        """Start it; the environment an app instance needs to use it."""
        return assignments(self.run("up"))


def assignments(output: str) -> dict[str, str]:
    """The NAME=value lines of a script's output."""
    return dict(line.split("=", 1) for line in output.split() if "=" in line)


class Topology(Scripted):
    """One Sentinel topology of this run: a master, two replicas, three Sentinels."""

    script = "sentinel.sh"

    def __init__(self, directory: Path, min_replicas_to_write: int, down_after_ms: int) -> None:
        ports = [free_port() for _ in range(6)]
        self.directory = directory
        self.env = {
            **os.environ,
            "SENTINEL_DIR": str(directory),
            "REDIS_PORTS": ",".join(map(str, ports[:3])),
            "SENTINEL_PORTS": ",".join(map(str, ports[3:])),
            "MIN_REPLICAS_TO_WRITE": str(min_replicas_to_write),
            "DOWN_AFTER_MS": str(down_after_ms),
        }

    def master(self, key: str = "") -> int:
        """The master's port (`key` does not matter: one master holds every key)."""
        del key
        return int(self.run("master").strip())

    def switches(self) -> list[Switch]:
        return switches(self.directory)

    def phases(self, fault: float) -> dict[str, float]:
        return phases(self.directory, fault, SENTINEL_PHASES)


class ClusterTopology(Scripted):
    """One Redis Cluster of this run: three masters, three replicas, and the ports of a
    fourth shard for `add-shard`."""

    script = "cluster.sh"

    def __init__(self, directory: Path, node_timeout_ms: int) -> None:
        ports = free_node_ports(8)
        self.directory = directory
        self.env = {
            **os.environ,
            "CLUSTER_DIR": str(directory),
            "CLUSTER_PORTS": ",".join(map(str, ports[:6])),
            "CLUSTER_SPARE_PORTS": ",".join(map(str, ports[6:])),
            "NODE_TIMEOUT_MS": str(node_timeout_ms),
        }
        self.faulted: list[int] = []
        """The masters the faults hit, in order."""

    def master(self, key: str = "") -> int:
        return int(self.run("master", key).strip())

    def masters(self) -> list[int]:
        """The ports of the masters serving slots now, as the first node that answers sees
        them (`CLUSTER NODES`)."""
        ports = self.env["CLUSTER_PORTS"].split(",") + self.env["CLUSTER_SPARE_PORTS"].split(",")
        for port in ports:
            done = subprocess.run(  # noqa: S603 - redis-cli on loopback
                ["redis-cli", "-p", port, "CLUSTER", "NODES"],  # noqa: S607
                capture_output=True, text=True, check=False, timeout=5,
            )  # fmt: skip
            if done.returncode == 0 and done.stdout.strip():
                return sorted(
                    int(fields[1].split("@")[0].rsplit(":", 1)[1])
                    for fields in (line.split() for line in done.stdout.splitlines())
                    if "master" in fields[2] and "fail" not in fields[2] and len(fields) > 8
                )
        return []

    def owner(self, key: str) -> int | None:
        """The master serving `key`'s slot; None while none does (a failover under way)."""
        found = self.run("master", key, check=False, quiet=True).strip()
        return int(found) if found.isdigit() else None

    def switches(self) -> list[Switch]:
        """Every replica that won a failover election, from the nodes' logs; `old` is the
        master the fault before it hit."""
        won = [
            (at, port)
            for at, port, line in _log_lines(self.directory.glob("redis-*.log"))
            if "Failover election won" in line
        ]
        return [
            Switch(at, f"127.0.0.1:{self.faulted[min(n, len(self.faulted) - 1)]}"
                   if self.faulted else "?", f"127.0.0.1:{port}")
            for n, (at, port) in enumerate(sorted(won))
        ]  # fmt: skip

    def phases(self, fault: float) -> dict[str, float]:
        return phases(self.directory, fault, CLUSTER_PHASES)


def switches(directory: Path) -> list[Switch]:
    """Every time the Sentinels switched the master, from their logs. Each Sentinel logs
    each switch: lines naming the same change (old -> new master) within 2 s are one
    switch; a different change, however soon after, is another."""
    lines: list[tuple[float, str, str]] = []
    for log in directory.glob("sentinel-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            match = _SWITCH.search(line)
            if match:
                stamp, old_host, old_port, new_host, new_port = match.groups()
                moment = datetime.strptime(stamp, "%d %b %Y %H:%M:%S.%f")
                lines.append(
                    (
                        moment.replace(tzinfo=UTC).timestamp(),
                        f"{old_host}:{old_port}",
                        f"{new_host}:{new_port}",
                    )
                )
    found: list[Switch] = []
    for at, old, new in sorted(lines):
        if not any(s.old == old and s.new == new and at - s.at <= 2 for s in found):
            found.append(Switch(at, old, new))
    return found


SENTINEL_PHASES: dict[str, str | tuple[str, ...]] = {
    "detected (+sdown)": "+sdown master",
    "agreed (+odown)": "+odown master",
    "leader elected": "+elected-leader",
    "replica promoted": "+promoted-slave",
    "switched (+switch-master)": "+switch-master",
    "replica re-pointed": "Successful partial resynchronization",
}
"""Each phase of a Sentinel failover, and the first log line after the fault that marks its
end (the Sentinels' logs and the Redis nodes')."""
CLUSTER_PHASES: dict[str, str | tuple[str, ...]] = {
    "detected (election scheduled)": "Start of election delayed",
    "replica promoted": "Failover election won",
    "replica re-pointed": (
        "MASTER <-> REPLICA sync: Finished with success",
        "Successful partial resynchronization",
    ),
}
"""The same for a cluster: a replica schedules its election once it knows its master FAIL
(node timeout, then a majority of masters agreeing), waits 500 ms + 0-500 ms at random + 1 s
per better-placed replica (fixed in Redis), and wins; the revived node then syncs from it."""
_STAMP = re.compile(r"(\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) [#*.-] (.*)")


def _log_lines(logs: Iterator[Path]) -> list[tuple[float, int, str]]:
    """(epoch s, the node's port, the message) of every timestamped line of these logs."""
    found = []
    for log in logs:
        port = int(re.sub(r"\D", "", log.stem) or 0)
        for line in log.read_text(errors="replace").splitlines():
            match = _STAMP.search(line)
            if match:
                moment = datetime.strptime(match[1], "%d %b %Y %H:%M:%S.%f")
                found.append((moment.replace(tzinfo=UTC).timestamp(), port, match[2]))
    return found


def phases(
    directory: Path, fault: float, marks: dict[str, str | tuple[str, ...]]
) -> dict[str, float]:
    """Seconds from the fault to the first line of each phase (those the logs show): a line
    holding the phase's mark, or one of its marks."""
    lines = sorted(_log_lines(directory.glob("*.log")))
    found: dict[str, float] = {}
    for name, mark in marks.items():
        either = (mark,) if isinstance(mark, str) else mark
        at = next(
            (at for at, _, line in lines if at >= fault and any(m in line for m in either)), None
        )
        if at is not None:
            found[name] = at - fault
    return found


_SWITCH = re.compile(
    r"(\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) .*\+switch-master \S+ (\S+) (\d+) (\S+) (\d+)"
)


def inject(
    variant: Variant, topology: Topology | ClusterTopology, options: argparse.Namespace, key: str
) -> list[float]:
    """The faults, spread over the middle of the run, on the master that holds `key`; their
    times (epoch s). On a cluster a killed master is started again once its replica took over
    (as a supervisor would): with one replica per master, the promoted one has none of its own,
    and writes that wait for a replica wait for it."""
    faults: list[float] = []
    start = time.time()
    first = 0.3 if variant.repeat == 1 else 0.15
    spacing = options.seconds * (0.9 - first) / variant.repeat
    cluster = isinstance(topology, ClusterTopology)
    target = [key] if cluster else []
    for index in range(variant.repeat):
        time.sleep(max(0.0, start + options.seconds * first + index * spacing - time.time()))
        old = topology.master(key)
        if isinstance(topology, ClusterTopology):
            topology.faulted.append(old)
        if variant.fault == "pause":
            say(f"SIGSTOP to the master 127.0.0.1:{old} for {variant.pause_seconds} s")
            paused = assignments(topology.run("pause-master", *target, str(variant.pause_seconds)))
            # NOTE: the time the script stopped it, not the time it was asked to: requests
            # sent in between were still answered.
            faults.append(int(paused["PAUSED_AT_MS"]) / 1000)
        else:
            say(f"SIGKILL to the master 127.0.0.1:{old}")
            killed = assignments(topology.run("kill-master", *target))
            faults.append(int(killed["KILLED_AT_MS"]) / 1000)
            if isinstance(topology, ClusterTopology):
                while topology.owner(key) in (old, None):
                    time.sleep(0.05)
                topology.run("revive", check=False)
        if index + 1 < variant.repeat:  # heal before the next one
            while topology.master(key) == old:
                time.sleep(0.05)
            topology.run("revive", check=False)
            topology.run("wait-healthy", str(int(spacing * 0.6)), check=False)
    return faults
