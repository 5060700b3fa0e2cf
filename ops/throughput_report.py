"""The report of ops/throughput.py: each round as it ends, then the medians and the ratios."""

import statistics
from collections.abc import Sequence
from typing import Protocol


class Measured(Protocol):
    """A target of ops/throughput.py, as the report reads it."""

    name: str
    profile: str
    endpoints: tuple[str, ...]
    results: dict[str, list[float]]
    cpu: dict[str, list[float]]


def round_line(target: Measured) -> str:
    health = target.results["healthz"][-1]
    parts = [f"/healthz {health:8.0f}"]
    for endpoint in target.endpoints[1:]:
        rps = target.results[endpoint][-1]
        parts.append(f"/{endpoint} {rps:8.0f} ({rps / health:.3f})")
    cpu = " / ".join(f"{target.cpu[endpoint][-1]:5.0f}" for endpoint in target.endpoints)
    return "  ".join(parts) + f"  cpu/req {cpu} us"


def report(targets: Sequence[Measured], baseline: Measured | None) -> None:
    """Per target, the medians and the ratios to /healthz; per profile, each build against the
    first build; with a baseline, each target's /notices against it."""
    median = statistics.median
    print("\nmedians (req/s, server CPU us/req; ratios to /healthz, cpu ratios inverted):")
    for target in targets:
        health = target.results["healthz"]
        line = f"  {target.name:<16}"
        for endpoint in target.endpoints:
            rps, cpu = target.results[endpoint], target.cpu[endpoint]
            line += f" /{endpoint} {median(rps):8.0f} {median(cpu):5.0f} us"
            if endpoint != "healthz":
                ratio = median([r / h for r, h in zip(rps, health, strict=True)])
                line += f" ({ratio:.3f}, cpu {median(target.cpu['healthz']) / median(cpu):.3f})"
        if baseline is not None and target is not baseline:
            notices, bare = target.results["notices"], baseline.results["notices"]
            against = median([n / b for n, b in zip(notices, bare, strict=True)])
            cpu_against = median(baseline.cpu["notices"]) / median(target.cpu["notices"])
            best = max(notices) / max(bare)
            line += (
                f"  notices/baseline {against:.3f} (cpu {cpu_against:.3f}, best rounds {best:.3f})"
            )
        print(line)
    first: dict[str, Measured] = {}
    for target in targets:
        reference = first.setdefault(target.profile, target)
        if reference is target:
            continue
        ratios = []
        for endpoint in target.endpoints:
            pairs = zip(target.results[endpoint], reference.results[endpoint], strict=True)
            faster = median([a / b for a, b in pairs])
            cheaper = median(reference.cpu[endpoint]) / median(target.cpu[endpoint])
            ratios.append(f"/{endpoint} {faster:.3f} (cpu {cheaper:.3f})")
        print(f"  {target.name} / {reference.name}: " + "  ".join(ratios))
