"""Every k6 scenario of every level, in its smoke configuration (a few virtual users and
iterations, seconds in all), through the real runner: servers started, scenarios run, report
written, everything stopped."""

from pathlib import Path

import pytest

from tests.support.k6 import run_runner


@pytest.mark.timeout(600)
def test_every_scenario_runs_and_reports(tmp_path: Path) -> None:
    run_runner("load.sh", "all", "--smoke", reports=tmp_path, timeout=590)

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
    report = run_runner("load.sh", "3", "--smoke", reports=tmp_path, LEDGER_WORKER_IN_APP="false")

    summary = (report / "summary.md").read_text()
    assert "one `redis-practice ledger-worker` process" in summary, summary
    assert "Entries still waiting: 0;" in summary, summary
    assert "in the app instance" not in summary
    # Events 1, 2, 3: naive (its doubles stay in Redis until a fix), lock, atomic.
    assert "3 coupon event(s) in Redis or the archive" in summary, summary
    assert "event 2: clean" in summary, summary
    assert "event 3: clean" in summary, summary
    assert "archived" in (report / "ledger-worker.log").read_text()


@pytest.mark.timeout(300)
def test_level3_on_a_cluster_sells_each_event_exactly_and_reports_the_commands_per_master(
    tmp_path: Path,
) -> None:
    report = run_runner("load.sh", "3", "--smoke", "--cluster", "--events", "3", reports=tmp_path)

    summary = (report / "summary.md").read_text()
    # Events 1-3 naive (doubles stay in Redis until a fix), 4-6 lock, 7-9 atomic.
    assert "9 coupon event(s) in Redis or the archive" in summary, summary
    for event in range(4, 10):
        assert f"event {event}: clean" in summary, summary
    masters = summary.split("## Commands per master")[1].splitlines()
    assert len([line for line in masters if line.startswith("| 127.0.0.1:")]) == 3, summary
