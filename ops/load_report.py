"""The report of a load run: summary.md with the comparison table and the settings used, and
PNG charts (matplotlib), from the k6 summaries ops/load.py collected."""

import os
import platform
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt

MACHINE = (
    f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}) shared by k6, "
    "the app instances, Redis and PostgreSQL; loopback only"
)


def metric(run: Any, name: str, stat: str = "value") -> float:
    """A number from a run's k6 summary (0 when the run did not produce it)."""
    value = run.summary.get("metrics", {}).get(name, {}).get(stat, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def claims_per_second(run: Any) -> float:
    """Claim requests answered per second in the herd's claim window (from the k6 gauges of
    the first claim sent and the last answer received)."""
    window_ms = metric(run, "claim_window_end_ms", "max") - metric(
        run, "claim_window_start_ms", "min"
    )
    requests = metric(run, "http_reqs{step:claim}", "count")
    return requests / (window_ms / 1000) if window_ms > 0 else 0.0


def outcome(run: Any) -> str:
    if not run.must_pass:
        return "reported"
    return "passed" if run.status == 0 else "FAILED"


def write(
    level: str, report: Path, runs: list[Any], settings: dict[str, str], *, smoke: bool
) -> None:
    lines = [f"# Load run, level {level}{' (smoke: tiny settings)' if smoke else ''}", ""]
    lines += {"1": _level1, "2": _level2, "3": _level3}[level](report, runs)
    lines += ["", "## Settings", "", f"- machine: {MACHINE}"]
    lines += [f"- {name}: {value}" for name, value in settings.items()]
    for run in runs:
        env = ", ".join(f"{k}={v}" for k, v in run.env.items() if not k.endswith("_URL"))
        lines.append(f"- `{run.name}`: `k6 run k6/{run.script}` {env} -> {outcome(run)}")
    lines += [
        "",
        "Files: `<run>.summary.json` (k6's end-of-test summary), `<run>.dashboard.html` (k6's "
        "web dashboard, exported), the charts, and the log of each instance that wrote one "
        "(instances log warnings and errors only).",
    ]
    (report / "summary.md").write_text("\n".join(lines) + "\n")


def _latency_row(run: Any, submetric: str) -> list[str]:
    return [f"{metric(run, submetric, stat):.1f}" for stat in ("med", "p(95)", "p(99)")]


def _level1(report: Path, runs: list[Any]) -> list[str]:
    variants = [run for run in runs if run.script == "level1-notices.ts"]
    lines = [
        "## 10,000 reads of `GET /notices`: without the cache, and with it",
        "",
        "| variant | reads | req/s | p50 ms | p95 ms | p99 ms | database page reads "
        "| cache hit ratio | p95 < 20 ms (cached) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in variants:
        p50, p95, p99 = _latency_row(run, "http_req_duration{step:read}")
        lines.append(
            f"| {run.name} | {metric(run, 'iterations', 'count'):.0f} "
            f"| {metric(run, 'http_reqs', 'rate'):.0f} | {p50} | {p95} | {p99} "
            f"| {metric(run, 'db_page_reads'):.0f} | {metric(run, 'cache_hit_ratio'):.3f} "
            f"| {outcome(run) if run.name == 'cached' else 'n/a'} |"
        )
    users = float(variants[0].env.get("VUS", 200)) if variants else 200.0
    think = float(variants[0].env.get("THINK_MS", 400)) if variants else 400.0
    ceiling = users / (think / 1000)
    model = (
        f"closed model: {users:.0f} users, each waiting {think:.0f} ms (0.5-1.5x) between "
        f"reads, so at most about {ceiling:.0f} req/s whatever the latency"
    )
    lines += [
        "",
        f"Load model: {model}. Throughput is set by the users' think time, not by the cache: "
        "what the cache changes is the latency and the database reads.",
    ]
    mixed = next(run for run in runs if run.script == "level1-read-your-writes.ts")
    lines += [
        "",
        "## Read-your-writes: a post every second on one of two cached instances, under reads",
        "",
        "| posts | pages read right after a 201 | pages lacking the new notice | outcome |",
        "|---:|---:|---:|---|",
        f"| {metric(mixed, 'notices_posted', 'count'):.0f} "
        f"| {metric(mixed, 'pages_read_after_a_post', 'count'):.0f} "
        f"| {metric(mixed, 'stale_pages_after_a_post', 'count'):.0f} | {outcome(mixed)} |",
    ]
    _bars(
        report / "level1-latency.png",
        "GET /notices: latency and throughput, without and with the cache",
        [run.name for run in variants],
        {
            "p50": [metric(r, "http_req_duration{step:read}", "med") for r in variants],
            "p95": [metric(r, "http_req_duration{step:read}", "p(95)") for r in variants],
            "p99": [metric(r, "http_req_duration{step:read}", "p(99)") for r in variants],
        },
        "milliseconds",
        second=("requests per second", [metric(r, "http_reqs", "rate") for r in variants]),
        note=f"{model.split(', so')[0]}:\nthroughput is capped near {ceiling:.0f} req/s",
    )
    _bars(
        report / "level1-database.png",
        "Database page reads for 10,000 reads of GET /notices",
        [run.name for run in variants],
        {"page reads": [metric(r, "db_page_reads") for r in variants]},
        "reads (log scale)",
        log=True,
    )
    return [*lines, "", "![latency](level1-latency.png)", "![database](level1-database.png)"]


def _level2(report: Path, runs: list[Any]) -> list[str]:
    run = runs[0]
    steps = ["issue", "wrong", "right", "again", "race", "search", "history"]
    lines = [
        "## 1,000 users at once: issue, wrong code, right code, again, a race, search history",
        "",
        f"- checks: {metric(run, 'checks', 'passes'):.0f} passed, "
        f"{metric(run, 'checks', 'fails'):.0f} failed; 5xx answers: "
        f"{metric(run, 'server_errors', 'count'):.0f}; outcome: {outcome(run)}",
        f"- races: {metric(run, 'concurrent_verification_races', 'count'):.0f}, won "
        f"{metric(run, 'concurrent_verifications_won', 'count'):.0f} times "
        "(of 10 concurrent verifications of one code, exactly one 200 each)",
        f"- {metric(run, 'http_reqs', 'count'):.0f} requests, "
        f"{metric(run, 'http_reqs', 'rate'):.0f} req/s",
        "",
        "The `issue` step dominates because every user starts at once: the 1,000 first "
        "requests arrive together and queue for the instance's one worker, while the later "
        "steps are spread out by each user's think time.",
        "",
        "| step | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for step in steps:
        p50, p95, p99 = _latency_row(run, f"http_req_duration{{step:{step}}}")
        lines.append(f"| {step} | {p50} | {p95} | {p99} |")
    _bars(
        report / "level2-latency.png",
        "OTP flow of 1,000 users at once: latency per step",
        steps,
        {
            "p50": [metric(run, f"http_req_duration{{step:{s}}}", "med") for s in steps],
            "p95": [metric(run, f"http_req_duration{{step:{s}}}", "p(95)") for s in steps],
        },
        "milliseconds",
        note="every user starts at once:\nthe first step (issue) queues",
    )
    return [*lines, "", "![latency](level2-latency.png)"]


def _level3(report: Path, runs: list[Any]) -> list[str]:
    herds = [run for run in runs if run.script == "level3-coupons.ts"]
    quantity = float(herds[0].env.get("QUANTITY", "100")) if herds else 100.0
    lines = [
        "## The thundering herd: every claimer at once, for each strategy",
        "",
        "| strategy | claims/s | granted | of which behind a 503 | issued in Redis "
        "| over the limit | numbers given twice | refused by the archive (number taken) "
        "| users holding two | claim p95 ms | outcome |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines.extend(
        f"| `{run.env['STRATEGY']}` | {claims_per_second(run):.0f} "
        f"| {metric(run, 'claims_granted', 'count'):.0f} "
        f"| {metric(run, 'claims_granted_behind_a_503', 'count'):.0f} "
        f"| {metric(run, 'coupons_issued'):.0f} | {metric(run, 'coupons_over_issued'):.0f} "
        f"| {metric(run, 'coupon_numbers_given_twice'):.0f} "
        f"| {metric(run, 'claims_number_taken', 'count'):.0f} "
        f"| {metric(run, 'users_holding_two'):.0f} "
        f"| {metric(run, 'http_req_duration{step:claim}', 'p(95)'):.1f} | {outcome(run)} |"
        for run in herds
    )
    lines += [
        "",
        "claims/s: claim requests answered per second between the first claim sent and the last "
        "answer (logins excluded); every winner's coupon is written to the archive before its "
        '201, the refusals stay on Redis. "issued in Redis" is what the live ledger handed '
        "out; under `naive` the archive refuses each number given twice, so those claimers "
        "get 409 without a coupon and nobody is promised a number twice.",
    ]
    ranking = next((run for run in runs if run.script == "level3-ranking.ts"), None)
    if ranking is not None:
        lines += [
            "",
            f"Ranking: {metric(ranking, 'iterations', 'count'):.0f} concurrent score updates; "
            f"members whose final score differs from the sum of their acknowledged deltas: "
            f"{metric(ranking, 'ranking_members_mismatched'):.0f}; outcome: {outcome(ranking)}.",
        ]
    names = [run.env["STRATEGY"] for run in herds]
    _bars(
        report / "level3-coupons.png",
        f"Coupons issued per strategy, {quantity:.0f} on offer, and what a claim costs",
        names,
        {
            "issued": [metric(run, "coupons_issued") for run in herds],
            "numbers given twice": [metric(run, "coupon_numbers_given_twice") for run in herds],
        },
        "coupons",
        limit=quantity,
        integers=True,
        second=("claims per second", [claims_per_second(run) for run in herds]),
    )
    return [*lines, "", "![coupons](level3-coupons.png)"]


def _bars(
    path: Path,
    title: str,
    groups: list[str],
    series: dict[str, list[float]],
    unit: str,
    *,
    second: tuple[str, list[float]] | None = None,
    log: bool = False,
    limit: float | None = None,
    integers: bool = False,
    note: str = "",
) -> None:
    """Grouped bars, one group per variant; a second panel for `second` (with `note` under
    its title), a line at `limit`; `integers`: counts, labelled without decimals."""
    panels = 2 if second else 1
    figure, axes = plt.subplots(1, panels, figsize=(6 * panels, 4), squeeze=False)
    left = axes[0][0]
    width = 0.8 / max(1, len(series))
    for index, (name, values) in enumerate(series.items()):
        positions = [g + index * width for g in range(len(groups))]
        bars = left.bar(positions, values, width, label=name)
        small = max(values or [0]) < 100 and not integers
        left.bar_label(bars, fmt="%.1f" if small else "%.0f", fontsize=8)
    left.set_xticks([g + width * (len(series) - 1) / 2 for g in range(len(groups))], groups)
    left.set_ylabel(unit)
    if log:
        left.set_yscale("log")
    if limit is not None:
        left.axhline(limit, color="red", linestyle="--", label=f"limit {limit:.0f}")
    left.legend()
    left.set_title(title, fontsize=10)
    if second:
        right = axes[0][1]
        bars = right.bar(groups, second[1], color="tab:green")
        right.bar_label(bars, fmt="%.0f", fontsize=8)
        right.set_ylabel(second[0])
        right.set_title(f"Throughput\n{note}" if note else "Throughput", fontsize=9)
    elif note:
        left.set_title(f"{title}\n{note}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
