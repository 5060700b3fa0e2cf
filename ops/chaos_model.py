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

    def switch_lines(self) -> str:
        """Every failover, seconds from the first fault: `+1.74 s 6380 -> 6381`."""
        origin = self.faults[0] if self.faults else 0.0
        return ", ".join(
            f"{s.at - origin:+.2f} s {s.old.rsplit(':')[-1]} -> {s.new.rsplit(':')[-1]}"
            for s in self.switches
        )
