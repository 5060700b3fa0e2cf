"""The Sentinel topology of a chaos run (through ops/sentinel.sh), and the faults injected into
it: the master killed, or frozen, once or several times."""

import argparse
import os
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from chaos_model import Switch, Variant
from common import ROOT, free_port, speaker

SENTINEL = str(ROOT / "ops/sentinel.sh")
say = speaker("chaos")


class Topology:
    """One Sentinel topology of this run, driven through ops/sentinel.sh."""

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

    def switches(self) -> list[Switch]:
        return switches(self.directory)


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


_SWITCH = re.compile(
    r"(\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) .*\+switch-master \S+ (\S+) (\d+) (\S+) (\d+)"
)


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
