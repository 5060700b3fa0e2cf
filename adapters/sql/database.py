"""One SQLAlchemy engine per process: the URL's driver, a pool and timeouts sized to the request
deadline, and the one place where SQL errors become `ports.errors`."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ports.errors import BackendTimeout, BackendUnavailable

log = logging.getLogger(__name__)

DRIVERS: Final = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
"""Accepted URL schemes and the async driver each one runs on."""

POOL_SIZE: Final = 10
"""Connections per process: a query takes milliseconds, so ten serve hundreds of concurrent
requests (the others wait in the pool, within the deadline)."""


class DatabaseUrlError(ValueError):
    """The URL cannot be used; the message never repeats the URL (it may hold a password)."""


def database_url(raw: str) -> URL:
    """The URL on its async driver: `sqlite:///path` or `postgresql://user@host/db`, with or
    without the driver part. Raises `DatabaseUrlError`."""
    try:
        url = make_url(raw)
    except (exc.ArgumentError, ValueError):
        raise DatabaseUrlError("is not a database URL") from None
    driver = DRIVERS.get(url.drivername)
    if driver is None:
        raise DatabaseUrlError("must start with sqlite:// or postgresql:// (driver psycopg)")
    if driver.startswith("sqlite") and (not url.database or url.database == ":memory:"):
        raise DatabaseUrlError("must name a SQLite file (every connection would have its own)")
    if driver.startswith("postgresql") and not url.database:
        raise DatabaseUrlError("must name the PostgreSQL database")
    return url.set(drivername=driver)


def describe_url(raw: str) -> str:
    """The database named for people and logs: driver, host, database; never the password."""
    url = database_url(raw)
    if is_sqlite(url):
        return f"SQLite file {url.database}"
    return f"PostgreSQL database {url.database} on {url.host or 'localhost'}:{url.port or 5432}"


def sync_url(url: URL) -> URL:
    """The same database on a synchronous driver, for the migrations."""
    return url.set(drivername="sqlite" if url.drivername.startswith("sqlite") else url.drivername)


def is_sqlite(url: URL) -> bool:
    return url.drivername.startswith("sqlite")


def utc(moment: datetime) -> datetime:
    """A time read back from a `DateTime(timezone=True)` column, aware: SQLite keeps no time
    zone, and every value was written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """Timeouts sized to the request deadline (which the HTTP edge enforces anyway).

    - A statement the server has not finished within half the deadline is cancelled by the
      server itself (PostgreSQL `statement_timeout`), so a stuck query frees its connection
      and the request still has time to answer 503.
    - Waiting for a pooled connection is queueing, like the Redis pool: up to half the deadline.
    - SQLite waits up to half the deadline for a lock held by another writer.
    """

    statement_timeout: float
    pool_timeout: float
    connect_timeout: float

    @classmethod
    def within(cls, deadline_seconds: float) -> "Timing":
        return cls(
            statement_timeout=deadline_seconds / 2,
            pool_timeout=deadline_seconds / 2,
            # NOTE: libpq counts whole seconds and takes 2 at the least.
            connect_timeout=max(2.0, deadline_seconds / 2),
        )


def connect(raw_url: str, *, deadline_seconds: float, pool_size: int = POOL_SIZE) -> AsyncEngine:
    """An engine for the URL. No I/O until the first query (except creating the directory of
    a SQLite file)."""
    url = database_url(raw_url)
    timing = Timing.within(deadline_seconds)
    if is_sqlite(url):
        assert url.database is not None
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            pool_timeout=timing.pool_timeout,
            connect_args={"timeout": timing.statement_timeout},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=timing.pool_timeout,
        pool_pre_ping=False,
        connect_args={
            "connect_timeout": int(timing.connect_timeout),
            "options": f"-c statement_timeout={int(timing.statement_timeout * 1000)}",
            "application_name": "redis-practice",
        },
    )


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    # WAL: readers do not wait for the writer; NORMAL sync is durable across a process crash.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class SqlErrors:
    """Translates driver and SQLAlchemy errors into `BackendTimeout` / `BackendUnavailable`,
    counted by kind through `on_error`."""

    def __init__(self, on_error: Callable[[str], None] | None = None) -> None:
        self._on_error = on_error

    @contextmanager
    def __call__(self) -> Iterator[None]:
        try:
            yield
        except exc.TimeoutError as error:  # the pool: no connection within pool_timeout
            self._report("pool_timeout", error)
            raise BackendTimeout("no database connection free in time") from error
        except exc.DBAPIError as error:
            if _cancelled(error):
                self._report("statement_timeout", error)
                raise BackendTimeout("the database did not answer in time") from error
            self._report("connection" if error.connection_invalidated else "database", error)
            raise BackendUnavailable(f"the database failed: {type(error.orig).__name__}") from error
        except (exc.SQLAlchemyError, OSError) as error:
            self._report("database", error)
            raise BackendUnavailable(f"the database failed: {type(error).__name__}") from error

    def _report(self, kind: str, error: Exception) -> None:
        if self._on_error is not None:
            self._on_error(kind)
        log.debug("database %s error: %s", kind, error)


def _cancelled(error: exc.DBAPIError) -> bool:
    # psycopg's QueryCanceled (SQLSTATE 57014): statement_timeout fired.
    return getattr(error.orig, "sqlstate", None) == "57014"
