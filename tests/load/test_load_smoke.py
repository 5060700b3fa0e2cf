"""Every k6 scenario of every level, in its smoke configuration (a few virtual users and
iterations, seconds in all), through the real runner: servers started, scenarios run, report
written, everything stopped."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.k6 import require_k6

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_every_scenario_runs_and_reports(tmp_path: Path) -> None:
    require_k6()

    result = subprocess.run(  # noqa: S603 - our own runner
        [str(ROOT / "ops/load.sh"), "all", "--smoke", "--reports", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=590,
        check=False,
    )

    output = result.stdout[-8000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    reports = sorted(tmp_path.iterdir())
    assert [report.name.split("-", 1)[1] for report in reports] == [
        "level1-smoke",
        "level2-smoke",
        "level3-smoke",
    ]
    for report in reports:
        summary = (report / "summary.md").read_text()
        assert "FAILED" not in summary, summary
        assert list(report.glob("*.png")), f"no chart in {report.name}"
        assert list(report.glob("*.summary.json")), f"no k6 summary in {report.name}"
    herds = (reports[2] / "summary.md").read_text()
    for strategy in ("atomic", "lock"):
        row = next(line for line in herds.splitlines() if line.startswith(f"| `{strategy}` |"))
        rate, granted, _, issued, over, twice, taken, holders = row.split("|")[2:10]
        assert float(rate) > 0, row
        assert (int(granted), int(issued)) == (10, 10), row
        assert (int(over), int(twice), int(taken), int(holders)) == (0, 0, 0, 0), row


@pytest.mark.timeout(300)
def test_level3_archives_through_a_ledger_worker_process_when_the_app_runs_none(
    tmp_path: Path,
) -> None:
    require_k6()

    result = subprocess.run(  # noqa: S603 - our own runner
        [str(ROOT / "ops/load.sh"), "3", "--smoke", "--reports", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "LEDGER_WORKER_IN_APP": "false"},
        capture_output=True,
        text=True,
        timeout=290,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    (report,) = tmp_path.iterdir()
    summary = (report / "summary.md").read_text()
    assert "one `redis-practice ledger-worker` process" in summary, summary
    assert "Entries still waiting: 0;" in summary, summary
    assert "in the app instance" not in summary
    # Events 1, 2, 3: naive (its doubles stay in Redis until a fix), lock, atomic.
    assert "3 coupon event(s) in Redis or the archive" in summary, summary
    assert "event 2: clean" in summary, summary
    assert "event 3: clean" in summary, summary
    assert "archived" in (report / "ledger-worker.log").read_text()
