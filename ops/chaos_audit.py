"""What was acknowledged against what Redis kept: k6's samples read back, the writes lost, the
unavailability windows around each fault."""

import itertools
import json
import re
import subprocess
from datetime import datetime
from pathlib import Path

from chaos_model import Outcome, Sample, Window

from adapters.redis import keys


def stored_seqs(port: int, source: str) -> set[int]:
    done = subprocess.run(  # noqa: S603 - redis-cli on loopback
        ["redis-cli", "-p", str(port), "SMEMBERS", keys.usage_seqs(source)],  # noqa: S607
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
        if not around or not samples:
            continue
        # Writes that stop again, or never come back, before the run (or the next fault)
        # ends: the stretch from the last 202 to there counts too, marked as cut off.
        stop = min(end, samples[-1].at)
        gaps = [
            Window(later - earlier, cut_off=later == stop and later not in ok)
            for earlier, later in itertools.pairwise([*around, stop])
        ]
        outcome.windows.append(max(gaps, key=lambda window: window.seconds))
    if outcome.faults:
        fault = outcome.faults[0]
        sent_after = [s.at for s in samples if s.status == 202 and s.at - s.millis / 1000 >= fault]
        if sent_after:
            outcome.phases["first new 202"] = min(sent_after) - fault
    if ok and outcome.faults:
        first, last = outcome.faults[0], outcome.faults[-1]
        outcome.rate_before = _rate(ok, ok[0], first)
        recovered = last + (outcome.windows[-1].seconds if outcome.windows else 0)
        outcome.rate_after = _rate(ok, recovered, ok[-1])


def _rate(times: list[float], start: float, end: float) -> float:
    return sum(start <= at <= end for at in times) / (end - start) if end > start else 0.0
