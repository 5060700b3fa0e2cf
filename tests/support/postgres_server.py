"""A throwaway PostgreSQL cluster for tests: initdb in a temporary directory, one server on a
free loopback port, trust authentication (loopback only), stopped on exit.

PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user and its
programs run as that user (the server is then still this process's child, so that killing it
kills the server itself, not a wrapper).
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import psycopg

from tests.support.redis_server import fail_or_skip, free_port

DATABASE = "redis_practice"


def postgres_bindir() -> str | None:
    """Where initdb and postgres are: pg_config's answer, else Debian's versioned directory."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run(  # noqa: S603 - a fixed tool
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and Path(found, "initdb").exists():
            return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return str(Path(candidates[0]).parent) if candidates else None


class PostgresServer:
    """`postgres` on 127.0.0.1:<port> with its data in a directory of its own."""

    def __init__(self, bindir: str) -> None:
        self._bindir = bindir
        self._root = Path(tempfile.mkdtemp(prefix="rp-postgres-"))
        self._data = self._root / "data"
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._as_root = os.geteuid() == 0
        self._owner = "postgres" if self._as_root else None
        if self._as_root:
            os.chmod(self._root, 0o755)  # noqa: S103 - the postgres user must reach its data
            shutil.chown(self._root, user="postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _command(self, program: str, *arguments: str) -> list[str]:
        return [str(Path(self._bindir, program)), *arguments]

    def initialise(self) -> None:
        subprocess.run(  # noqa: S603 - a fixed binary and our own arguments
            self._command(
                "initdb", "-D", str(self._data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            ),
            check=True,
            capture_output=True,
            user=self._owner,
            group=self._owner,
        )

    def start(self) -> None:
        log = self._root / "postgres.log"
        options = [
            "-D", str(self._data), "-p", str(self.port), "-k", str(self._root),
            "-c", "listen_addresses=127.0.0.1",
            # No fsync: a throwaway cluster need not survive the machine crashing, only its own
            # process being killed (then the OS still holds what it wrote).
            "-c", "fsync=off",
        ]  # fmt: skip
        if self._as_root and not log.exists():
            log.touch()
            shutil.chown(log, user="postgres")
        with log.open("ab") as output:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed binary and our arguments
                self._command("postgres", *options),
                stdout=output,
                stderr=subprocess.STDOUT,
                user=self._owner,
                group=self._owner,
            )
        self._wait_until_ready(log)

    def _wait_until_ready(self, log: Path, timeout_seconds: float = 30) -> None:
        give_up_at = time.monotonic() + timeout_seconds
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        while True:
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=2) as connection:
                    exists = connection.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
                    ).fetchone()
                    if exists is None:
                        connection.execute(f"CREATE DATABASE {DATABASE}")
                    return
            except psycopg.OperationalError:
                if self._process is not None and self._process.poll() is not None:
                    raise RuntimeError(f"postgres exited:\n{log.read_text()[-2000:]}") from None
                if time.monotonic() > give_up_at:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Kill the server at once, as a crash would (its data stays)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def reset(self) -> None:
        """Drop every table of the test database (the next migration starts from nothing)."""
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")

    def empty(self) -> None:
        """Delete every notice, coupon event and coupon, and restart the ids (a migrated
        schema stays)."""
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute("TRUNCATE notices, coupon_events, coupons RESTART IDENTITY")

    @asynccontextmanager
    async def locked(self, table: str) -> AsyncIterator[None]:
        """Hold an exclusive lock on `table`: every statement touching it waits meanwhile."""
        connection = await psycopg.AsyncConnection.connect(self.dsn)
        async with connection, connection.transaction():
            await connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self._root, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started cluster, removed on exit. Missing binaries: a failure in CI, else a skip."""
    bindir = postgres_bindir()
    if bindir is None:
        fail_or_skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    assert bindir is not None
    server = PostgresServer(bindir)
    try:
        server.initialise()
        server.start()
        yield server
    finally:
        server.remove()
