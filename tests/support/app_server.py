"""The service as a real process: `python -m composition serve` on a free loopback port, for
tests that need a real HTTP server (sockets, header floods, Schemathesis, several instances)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.redis_server import free_port
from tests.support.settings import ADMIN_TOKEN, INGEST_TOKEN

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class AppServer:
    """A running instance: its base URL and process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]


def get(url: str, *, headers: Mapping[str, str] | None = None, timeout: float = 5) -> int:
    """The status of a GET (no exception for 4xx and 5xx)."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def redis_environment(redis_url: str, database_url: str, **more: str) -> dict[str, str]:
    """An instance on the `redis` profile that returns OTP codes (tests log in with them) and
    sets no per-client issue limit (every test client is 127.0.0.1)."""
    return {
        "APP_PROFILE": "redis",
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "OTP_EXPOSE_CODE": "true",
        "OTP_CLIENT_ISSUE_LIMIT": "0",
        **more,
    }


@contextmanager
def running_app(
    environment: Mapping[str, str],
    *,
    log: Path,
    ready_seconds: float = 20,
    workers: int = 1,
    tokens: bool = True,
    log_level: str = "warning",
) -> Iterator[AppServer]:
    """Start an instance (a server of `workers` processes) with `environment` on top of ours
    (ADMIN_TOKEN and INGEST_TOKEN set, unless `tokens` is false), wait until `/healthz`
    answers, and stop it (SIGTERM, then SIGKILL) on exit. Its output goes to `log`."""
    port = free_port()
    env = {
        **os.environ,
        **(
            {"ADMIN_TOKEN": ADMIN_TOKEN, "INGEST_TOKEN": INGEST_TOKEN}
            if tokens
            else {"ADMIN_TOKEN": "", "INGEST_TOKEN": ""}
        ),
        "PYTHONUNBUFFERED": "1",
        **environment,
    }
    command = [
        sys.executable,
        "-m",
        "composition",
        "serve",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        log_level,
        "--workers",
        str(workers),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    server = AppServer(f"http://127.0.0.1:{port}", port, process)
    try:
        _wait_until_healthy(server, log, ready_seconds)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_healthy(server: AppServer, log: Path, ready_seconds: float) -> None:
    give_up_at = time.monotonic() + ready_seconds
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the app exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if get(f"{server.url}/healthz", timeout=1) == 200:
                return
        except OSError:
            pass
        if time.monotonic() > give_up_at:
            output = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the app did not answer:\n{output}")
        time.sleep(0.05)
