"""Schemathesis against the served `/openapi.json`, on the memory and redis profiles: every
operation, positive and negative data, all checks (no 5xx; statuses, content types, headers
and bodies as documented; valid data accepted, invalid refused; auth not ignored).

Bounded by FUZZ_EXAMPLES (examples per operation and phase; 15 in `make test`, more in
`make fuzz`). The report of a failing run is printed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.app_server import ROOT, running_app
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer
from tests.support.settings import ADMIN_TOKEN, INGEST_TOKEN

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(params=["memory", "redis"])
def environment(request: pytest.FixtureRequest) -> dict[str, str]:
    """The app's environment on each profile: codes exposed (the hooks log users in), no
    per-client limit (every request comes from this machine), streams that end."""
    env = {
        "APP_PROFILE": request.param,
        "OTP_EXPOSE_CODE": "true",
        "OTP_CLIENT_ISSUE_LIMIT": "0",
        "OTP_ISSUE_LIMIT": "1000000",
        "OTP_SECRET": "fuzz-otp-secret-0123456789",
        "SSE_MAX_STREAM_SECONDS": "0.3",
    }
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        server.flush()
        database: PostgresServer = request.getfixturevalue("migrated_postgres")
        database.empty()
        env["REDIS_URL"] = server.url
        env["DATABASE_URL"] = database.url
    return env


def test_schemathesis_finds_nothing(environment: dict[str, str], tmp_path: Path) -> None:
    with running_app(environment, log=tmp_path / "app.log") as app:
        result = subprocess.run(  # noqa: S603 - the venv's own schemathesis
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(Path(__file__).with_name("schemathesis.toml")),
                "--no-color",
                "run",
                f"{app.url}/openapi.json",
                "--url",
                app.url,
                "--checks",
                "all",
                "--mode",
                "all",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                os.environ.get("FUZZ_SEED", "20261125"),
                "--request-timeout",
                "5",
                "--suppress-health-check",
                "all",
            ],
            env={
                **os.environ,
                "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
                "ADMIN_TOKEN": ADMIN_TOKEN,
                "INGEST_TOKEN": INGEST_TOKEN,
                "FUZZ_BASE_URL": app.url,
                "PYTHONPATH": str(ROOT),
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        app_log = (tmp_path / "app.log").read_text(errors="replace")

    report = result.stdout[-20_000:] + result.stderr[-5_000:]
    assert result.returncode == 0, report + "\n--- app log ---\n" + app_log[-5_000:]
    assert "Traceback" not in app_log, app_log[-5_000:]
