"""What a chaos run does and what it measured: the variant, k6's samples, the outcome."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Variant:
    """What one series of runs does to the master."""

    name: str
    wait_replicas: int
    fault: str  # "kill", "pause"; on a cluster also "reshard", "add-shard" (with a herd)
    pause_seconds: float = 0.0
    min_replicas_to_write: int = 0
    repeat: int = 1
    sse: bool = False
    cluster: bool = False
    """On a Redis Cluster (3 masters, 3 replicas) instead of Sentinel."""

    @property
    def must_lose_nothing(self) -> bool:
        """Under SIGKILL with WAIT, an acknowledged write is on a replica: losing one fails;
        slots that move take their keys along, so a reshard may lose nothing either."""
        return (self.fault == "kill" and self.wait_replicas >= 1) or self.herd

    @property
    def herd(self) -> bool:
        """A level-3 herd runs during the fault (the slot moves)."""
        return self.fault in {"reshard", "add-shard"}


@dataclass
class Sample:
    """One request as k6 reported it: when it ended (epoch s), its status, latency, `seq`."""

    at: float
    status: int
    millis: float
    seq: int


@dataclass(frozen=True)
class Switch:
    """A `+switch-master` (epoch s), from the master's address to the new one's."""

    at: float
    old: str
    new: str


@dataclass(frozen=True)
class Window:
    """A stretch without any acknowledged write; `cut_off` when the run (or the next fault)
    ended before writes came back, so it lasted at least `seconds`."""

    seconds: float
    cut_off: bool = False

    def __str__(self) -> str:
        return f"{self.seconds:.2f}{'+' if self.cut_off else ''}"


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
    windows: list[Window] = field(default_factory=list)
    switches: list[Switch] = field(default_factory=list)
    rate_before: float = 0.0
    rate_after: float = 0.0
    sse_published: int = 0
    sse_missed: int = 0
    sse_duplicates: int = 0
    sse_resets: int = 0
    samples: list[Sample] = field(default_factory=list)
    faults: list[float] = field(default_factory=list)
    chart: str = ""
    herd: Any = None
    """The herd's `HerdOutcome` (ops/chaos_herd.py), for the variants with one."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds from the first fault to the end of each phase of the failover, from the logs;
    then `first new 202`: to the first acknowledgement of a request sent after the fault."""

    @property
    def extra_failovers(self) -> list[Switch]:
        """Failovers beyond the first after each fault: a second one (Sentinels that flap, a
        replica promoted and then demoted), or one no fault explains (none in the 15 s
        before it)."""
        extra: list[Switch] = []
        answered: set[float] = set()
        for switch in self.switches:
            faults = [f for f in self.faults if 0 <= switch.at - f <= 15]
            if not faults or faults[-1] in answered:
                extra.append(switch)
            else:
                answered.add(faults[-1])
        return extra

    @property
    def herd_failures(self) -> list[str]:
        """What the herd broke: counts off, a 5xx other than 503, drift left."""
        if self.herd is None:
            return []
        broken = [] if self.herd.passed else ["coupon counts off (k6 thresholds)"]
        errors = sum(
            n for status, n in self.herd.statuses.items() if status >= 500 and status != 503
        )
        if errors:
            broken.append(f"{errors} answers 5xx other than 503")
        if self.herd.reconcile_exit != 0:
            broken.append(f"reconcile exit {self.herd.reconcile_exit}")
        return broken

    def switch_lines(self) -> str:
        """Every failover, seconds from the first fault: `+1.74 s 6380 -> 6381`."""
        origin = self.faults[0] if self.faults else 0.0
        return ", ".join(
            f"{s.at - origin:+.2f} s {s.old.rsplit(':')[-1]} -> {s.new.rsplit(':')[-1]}"
            for s in self.switches
        )
