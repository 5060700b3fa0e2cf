"""The report of the chaos runs (ops/chaos.py): a timeline PNG per run and summary.md with the
median and max of every variant, and the settings used."""

import statistics
from pathlib import Path
from typing import Any

import load_report
import matplotlib.pyplot as plt

BUCKET_SECONDS = 0.25


def timeline(report: Path, name: str, outcome: Any) -> str:
    """Throughput, errors and latency around the fault, per quarter second; the fault(s) and
    Sentinel's +switch-master marked. Returns the file name."""
    samples = outcome.samples
    if not samples or not outcome.faults:
        return ""
    origin = outcome.faults[0]
    buckets: dict[int, list[Any]] = {}
    for sample in samples:
        buckets.setdefault(int((sample.at - origin) // BUCKET_SECONDS), []).append(sample)
    keys = range(min(buckets), max(buckets) + 1)
    x = [key * BUCKET_SECONDS for key in keys]
    ok = [sum(s.status == 202 for s in buckets.get(k, [])) / BUCKET_SECONDS for k in keys]
    errors = [sum(s.status != 202 for s in buckets.get(k, [])) / BUCKET_SECONDS for k in keys]
    p50 = [_percentile(buckets.get(k, []), 0.5) for k in keys]
    p99 = [_percentile(buckets.get(k, []), 0.99) for k in keys]

    figure, (rates, latency) = plt.subplots(2, 1, figsize=(13, 6), sharex=True)
    rates.plot(x, ok, color="tab:green", label="202 per second")
    rates.plot(x, errors, color="tab:red", label="errors per second (503, timeouts)")
    rates.set_ylabel("requests per second")
    latency.plot(x, p50, color="tab:blue", label="p50")
    latency.plot(x, p99, color="tab:orange", label="p99")
    latency.set_ylabel("latency, ms (log)")
    latency.set_yscale("log")
    latency.set_xlabel("seconds from the (first) fault")
    for axes in (rates, latency):
        for index, fault in enumerate(outcome.faults):
            axes.axvline(
                fault - origin,
                color="black",
                linestyle="--",
                label=f"{outcome.variant.fault}" if index == 0 else None,
            )
        for index, switch in enumerate(outcome.switches):  # every one, however close
            axes.axvline(
                switch.at - origin,
                color="tab:purple",
                linestyle=":",
                label=("failover won" if outcome.variant.cluster else "+switch-master")
                if index == 0
                else None,
            )
        # NOTE: outside the axes, so that no legend covers a line.
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    window = ", ".join(f"{w} s" for w in outcome.windows) or "none"
    extra = len(outcome.extra_failovers)
    rates.set_title(
        f"{name}: {outcome.acknowledged} acknowledged, {outcome.lost} lost; "
        f"write unavailability {window}"
        + (" (+: cut off by the end of the run)" if any(w.cut_off for w in outcome.windows) else "")
        + f"; {len(outcome.switches)} failover(s)"
        + (f", {extra} beyond one per fault" if extra else ""),
        fontsize=10,
    )
    figure.tight_layout()
    file = f"timeline-{name}.png"
    figure.savefig(report / file, dpi=90)
    plt.close(figure)
    return file


def _percentile(samples: list[Any], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(sample.millis for sample in samples)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def write(report: Path, outcomes: list[Any], options: Any) -> None:
    lines = ["# Chaos runs, level 4", ""]
    lines += [
        "| variant | runs | acknowledged (median) | lost: median / max | stored, never "
        "acknowledged: median / max | write unavailability s: median / max | fault to "
        "+switch-master s: median | failovers / faults | failovers beyond one per fault "
        "| 503s: median / total (worst run) | timeouts (median) | 202/s before / after |"
        + (" SSE events missed: max |" if options.sse else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        + ("---:|" if options.sse else ""),
    ]
    variants: dict[str, list[Any]] = {}
    for outcome in outcomes:
        variants.setdefault(outcome.variant.name, []).append(outcome)
    for name, runs in variants.items():
        windows = [w for run in runs for w in run.windows]
        longest = max(windows, key=lambda w: w.seconds, default=None)
        switches = [
            min(
                (s.at - run.faults[0] for s in run.switches if s.at >= run.faults[0] - 1), default=0
            )
            for run in runs
            if run.faults
        ]
        refused = [run.statuses.get(503, 0) for run in runs]
        worst = max(runs, key=lambda run: run.statuses.get(503, 0))
        row = (
            f"| `{name}` | {len(runs)} | {_median(r.acknowledged for r in runs):.0f} "
            f"| {_median(r.lost for r in runs):g} / {max(r.lost for r in runs)} "
            f"| {_median(r.stored_unacknowledged for r in runs):g} / "
            f"{max(r.stored_unacknowledged for r in runs)} "
            f"| {_median(w.seconds for w in windows):.2f} / {longest or 'n/a'} "
            f"| {_median(switches):.2f} "
            f"| {sum(len(r.switches) for r in runs)} / {sum(len(r.faults) for r in runs)} "
            f"| {sum(len(r.extra_failovers) for r in runs)} "
            f"| {_median(refused):g} / {sum(refused):,}"
            + (f" (`{name}-{worst.number}`: {max(refused):,})" if max(refused) else "")
            + f" | {_median(r.statuses.get(0, 0) for r in runs):g} "
            f"| {_median(r.rate_before for r in runs):.0f} / "
            f"{_median(r.rate_after for r in runs):.0f} |"
        )
        if options.sse:
            row += f" {max(r.sse_missed for r in runs)} |"
        lines.append(row)
    lines += phase_table(variants)
    lines += herd_table(variants)
    troubled = [outcome for outcome in outcomes if outcome.extra_failovers]
    if troubled:
        lines += ["", "Runs with more failovers than faults:", ""]
        lines += [
            f"- `{o.variant.name}-{o.number}`: {len(o.switches)} failovers for "
            f"{len(o.faults)} fault(s) ({o.switch_lines()}); 503s: {o.statuses.get(503, 0):,}; "
            f"write unavailability {', '.join(f'{w} s' for w in o.windows)}"
            for o in troubled
        ]
    if any(w.cut_off for o in outcomes for w in o.windows):
        lines += ["", "+: a window cut off by the end of the run: writes had not come back."]
    lines += ["", "## Every run", ""]
    for outcome in outcomes:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(outcome.statuses.items()))
        unavailable = ", ".join(str(w) for w in outcome.windows)
        sse = (
            f"; SSE: {outcome.sse_published} published, {outcome.sse_missed} missed, "
            f"{outcome.sse_duplicates} duplicates, {outcome.sse_resets} resets"
            if outcome.variant.sse
            else ""
        )
        lines.append(
            f"- `{outcome.variant.name}` run {outcome.number}: {outcome.requests} requests "
            f"({statuses}), {outcome.acknowledged} acknowledged, {outcome.lost} lost, "
            f"{outcome.stored_unacknowledged} stored unacknowledged; unavailable {unavailable} s; "
            f"failovers: {outcome.switch_lines() or 'none'}"
            f"{sse}" + (f"; [timeline]({outcome.chart})" if outcome.chart else "")
        )
    first = next((outcome.chart for outcome in outcomes if outcome.chart), "")
    if first:
        lines += ["", f"![timeline]({first})"]
    lines += [
        "",
        "## Settings",
        "",
        f"- machine: {load_report.MACHINE}; "
        + (
            f"a Redis Cluster of 3 masters and 3 replicas, cluster-node-timeout "
            f"{options.node_timeout_ms} ms, the fault on the master of the usage source's slot "
            "(a killed one started again once its replica took over)"
            if options.cluster
            else "Sentinel topology of 3 Redis + 3 Sentinels"
        )
        + f"; one app instance of {options.workers} worker process(es)",
        f"- k6: constant-arrival-rate {options.rate} POST /usage per second for "
        f"{options.seconds} s, 5 s request timeout; "
        + (
            f"{options.repeat} faults from 15% of the run, {75 // options.repeat}% of it apart"
            if options.repeat > 1
            else "the fault at 30% of the run"
        ),
        *(
            [
                "- Cluster: a replica schedules its election once its master is FAIL (the node "
                "timeout, then a majority of masters agreeing), waits 500 ms + 0-500 ms at random "
                "(+1 s per better-placed replica), and wins; `+switch-master` here is that win "
                "(`Failover election won` in its log)"
            ]
            if options.cluster
            else [
                f"- Sentinel: down-after-milliseconds {options.down_after_ms}, quorum 2, "
                "failover-timeout 10000; every +switch-master counts (the three Sentinels' "
                "lines for one change of master are one); beyond one per fault: a second "
                "failover after a fault, or one no fault in the 15 s before explains",
                f"- min-replicas-to-write: {options.min_replicas_to_write} (max lag 1 s)",
            ]
        ),
        f"- REQUEST_DEADLINE_SECONDS: 2 (the app's default); runs per variant: {options.runs}",
        "- lost: answered 202 and missing from the new master afterwards; stored, never "
        "acknowledged: a 503 or timeout whose write landed (the client retries; the ingestion "
        "id makes the retry count once)",
        "- write unavailability: the longest stretch without a 202, from 0.5 s before the "
        "fault until the next fault or the end (the last 202 before the outage to the first "
        "after it)",
    ]
    (report / "summary.md").write_text("\n".join(lines) + "\n")


def phase_table(variants: dict[str, list[Any]]) -> list[str]:
    """When each phase of the failover ended, seconds after the fault (median / max over the
    runs), then when a request sent after the fault was first acknowledged."""
    names: list[str] = []
    for runs in variants.values():
        for run in runs:
            names += [name for name in run.phases if name not in names]
    if not names:
        return []
    names = [*(name for name in names if name != "first new 202"), "first new 202"]
    lines = [
        "",
        "## Where the time goes",
        "",
        "Seconds from the fault to the end of each phase (median / max over the runs), from the "
        "Redis, Sentinel and cluster logs; the last column is the client's side: the first 202 "
        "of a request sent after the fault (k6 times a request at its end).",
        "",
        "| variant | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for name, runs in variants.items():
        cells = []
        for phase in names:
            found = [run.phases[phase] for run in runs if phase in run.phases]
            cells.append(f"{_median(found):.2f} / {max(found):.2f}" if found else "")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return lines


def herd_table(variants: dict[str, list[Any]]) -> list[str]:
    """The level-3 herd's outcome in the variants that ran one."""
    rows = {name: runs for name, runs in variants.items() if runs[0].herd is not None}
    if not rows:
        return []
    lines = [
        "",
        "## The level-3 herd while the slots moved",
        "",
        "| variant | runs | slots moved in s: median / max | claims by status (all runs) "
        "| 5xx but 503 | exactly the quantity per event | reconcile clean | acknowledged "
        "ingestion lost |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for name, runs in rows.items():
        statuses: dict[int, int] = {}
        for run in runs:
            for status, count in run.herd.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        errors = sum(n for status, n in statuses.items() if status >= 500 and status != 503)
        moved = [run.herd.moved_seconds for run in runs]
        lines.append(
            f"| `{name}` | {len(runs)} | {_median(moved):.2f} / {max(moved):.2f} "
            f"| {', '.join(f'{k}: {v:,}' for k, v in sorted(statuses.items()))} | {errors} "
            f"| {sum(run.herd.passed for run in runs)} / {len(runs)} "
            f"| {sum(run.herd.reconcile_exit == 0 for run in runs)} / {len(runs)} "
            f"| {sum(run.lost for run in runs)} |"
        )
    return lines


def _median(values: Any) -> float:
    listed = list(values)
    return float(statistics.median(listed)) if listed else float("nan")
