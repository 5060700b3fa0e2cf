"""The chaos runner in its smoke configuration (one short run): a Sentinel topology, the app on
the `sentinel` profile with REDIS_WAIT_REPLICAS=1, k6 ingesting, the master killed with
SIGKILL, SSE clients following across it; the audit and the report come out, nothing
acknowledged is lost and no SSE client misses an event."""

import subprocess
from pathlib import Path

import pytest

from tests.support.k6 import require_k6

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_a_killed_master_loses_nothing_acknowledged(tmp_path: Path) -> None:
    require_k6()

    result = subprocess.run(  # noqa: S603 - our own runner
        [
            str(ROOT / "ops/chaos.sh"),
            *("--smoke", "--wait-replicas", "1", "--sse", "--reports", str(tmp_path)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=290,
        check=False,
    )

    output = result.stdout[-8000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    [report] = tmp_path.iterdir()
    summary = (report / "summary.md").read_text()
    row = next(line for line in summary.splitlines() if line.startswith("| `kill-wait1` |"))
    runs, acknowledged, lost = (cell.strip() for cell in row.split("|")[2:5])
    assert (runs, lost) == ("1", "0 / 0"), row
    assert int(acknowledged) > 0, row
    assert row.rstrip(" |").endswith("| 0"), f"an SSE client missed events: {row}"
    assert list(report.glob("timeline-*.png")), "no timeline chart"
