"""`SqlDatabase`: the engine of one process, its error translation, its start and its end."""

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import SqlErrors, connect, database_url, is_sqlite
from adapters.sql.migrations import upgrade

log = logging.getLogger(__name__)


class SqlDatabase:
    """What the SQL adapters of one process share.

    On start, the schema is migrated when `migrate` says so; None: the embedded SQLite file
    is, PostgreSQL is not (a fleet migrates once, not on every instance's start), and a worker
    process passes False (its server migrated once before starting the workers).
    """

    def __init__(
        self,
        url: str,
        *,
        deadline_seconds: float,
        migrate: bool | None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._url = url
        self.engine: AsyncEngine = connect(url, deadline_seconds=deadline_seconds)
        self.errors = SqlErrors(on_error)
        self._migrate = is_sqlite(database_url(url)) if migrate is None else migrate

    async def start(self) -> None:
        if self._migrate:
            # NOTE: Alembic is synchronous; a thread keeps the event loop free meanwhile.
            await asyncio.to_thread(upgrade, self._url)
            log.info("database schema migrated to the latest revision")

    async def close(self) -> None:
        await self.engine.dispose()
