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


def run_script(
    script: Path, environment: Mapping[str, str], *arguments: str, timeout_seconds: float = 60
) -> str:
    """One of our ops scripts (`ops/sentinel.sh up`, ...); its output, or RuntimeError with the
    end of what it said on failure."""
    done = subprocess.run(  # noqa: S603 - our own script, our own arguments
        [str(script), *arguments],
        env=dict(environment),
        capture_output=True,
        text=True,
        timeout=timeout_seconds,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{script.parent.name}/{script.name} {' '.join(arguments)}: {done.stderr[-2000:]}"
        )
    return done.stdout
