"""The chaos runner in its smoke configurations (one short run each). A Sentinel topology, the
app on the `sentinel` profile with REDIS_WAIT_REPLICAS=1, k6 ingesting, the master killed with
SIGKILL, SSE clients following across it: the audit and the report come out, nothing
acknowledged is lost and no SSE client misses an event. A cluster whose slots move under a
herd and the ingestion: each event sold exactly, reconcile clean, nothing acknowledged lost."""

from pathlib import Path

import pytest

from tests.support.k6 import run_runner


@pytest.mark.timeout(300)
def test_a_killed_master_loses_nothing_acknowledged(tmp_path: Path) -> None:
    report = run_runner("chaos.sh", "--smoke", "--wait-replicas", "1", "--sse", reports=tmp_path)

    summary = (report / "summary.md").read_text()
    row = next(line for line in summary.splitlines() if line.startswith("| `kill-wait1` |"))
    runs, acknowledged, lost = (cell.strip() for cell in row.split("|")[2:5])
    assert (runs, lost) == ("1", "0 / 0"), row
    assert int(acknowledged) > 0, row
    assert row.rstrip(" |").endswith("| 0"), f"an SSE client missed events: {row}"
    assert list(report.glob("timeline-*.png")), "no timeline chart"


@pytest.mark.timeout(300)
def test_a_reshard_under_a_herd_sells_exactly_and_loses_nothing(tmp_path: Path) -> None:
    report = run_runner(
        "chaos.sh", "--cluster", "--reshard", "--smoke", "--wait-replicas", "1", reports=tmp_path
    )

    summary = (report / "summary.md").read_text()
    herd = summary.split("## The level-3 herd while the slots moved")[1]
    row = next(line for line in herd.splitlines() if line.startswith("| `cluster-reshard"))
    # 5xx but 503, exactly the quantity per event, reconcile clean, ingestion lost
    assert row.rstrip(" |").endswith("| 0 | 1 / 1 | 1 / 1 | 0"), row
