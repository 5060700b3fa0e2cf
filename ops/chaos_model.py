"""What a chaos run does and what it measured: the variant, k6's samples, the outcome."""

from dataclasses import dataclass, field


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
