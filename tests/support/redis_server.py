"""A real `redis-server` for tests: started on a free loopback port, restartable, with its
data in a temporary directory."""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

CANDIDATES = ("redis-server", "/usr/bin/redis-server", "/usr/sbin/redis-server")


def require_binary(name: str, candidates: tuple[str, ...]) -> str:
    """The path of a server binary. Missing: a failure in CI (`CI=true`), else a skip that says
    how to get it (`make test` installs it when run as root)."""
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    fail_or_skip(
        f"{name} is not installed (Debian: apt-get install {name}; `make test` does it as root)"
    )
    raise AssertionError("unreachable")


def fail_or_skip(message: str) -> None:
    """A missing server: a failure when `CI=true` (CI must run every suite), else a skip that
    says why."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """`redis-server` on 127.0.0.1:<port>, killed on `stop()`; no persistence, or (`durable`)
    an append-only file synced on every write, which a restart reads back."""

    def __init__(self, binary: str, directory: Path, *, durable: bool = False) -> None:
        self._binary = binary
        self._directory = directory
        self._durable = durable
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        options = {
            "bind": "127.0.0.1",
            "port": str(self.port),
            "dir": str(self._directory),
            "save": "",
            "appendonly": "yes" if self._durable else "no",
            "appendfsync": "always",
            "daemonize": "no",
            "logfile": str(self._directory / "redis.log"),
        }
        arguments = [part for name, value in options.items() for part in (f"--{name}", value)]
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
            [self._binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait_until_ready()

    def _wait_until_ready(self, timeout_seconds: float = 10) -> None:
        give_up_at = time.monotonic() + timeout_seconds
        with Redis(port=self.port, socket_timeout=0.5) as client:
            while True:
                try:
                    client.ping()
                    return
                except RedisError:
                    if self._process is not None and self._process.poll() is not None:
                        log = (self._directory / "redis.log").read_text(errors="replace")
                        raise RuntimeError(f"redis-server exited:\n{log[-2000:]}") from None
                    if time.monotonic() > give_up_at:
                        raise
                    time.sleep(0.02)

    def stop(self) -> None:
        """Kill the server at once, as a crash would."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush(self) -> None:
        """Empty every database."""
        with Redis(port=self.port, socket_timeout=5) as client:
            client.flushall()

    def freeze(self) -> None:
        """Stop the process (SIGSTOP): connections stay open, nothing is answered."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """Let a frozen server run again (SIGCONT): it reads what was sent meanwhile."""
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)


@contextmanager
def running_redis(directory: Path, *, durable: bool = False) -> Iterator[RedisServer]:
    """A started server with its data in `directory`, killed on exit. Missing binary: see
    `require_binary`."""
    directory.mkdir(parents=True, exist_ok=True)
    server = RedisServer(require_binary("redis-server", CANDIDATES), directory, durable=durable)
    server.start()
    try:
        yield server
    finally:
        server.stop()
