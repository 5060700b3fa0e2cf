"""Our own commands as a newcomer runs them: `python -m ...` in the checkout, output captured."""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(
    args: list[str], env: Mapping[str, str], *, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """`python <args>` with `env` on top of ours; exit status and output, never an exception."""
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
