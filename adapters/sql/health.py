"""SQL `HealthProbe`: the database answers, and its schema is the one this code expects."""

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import SqlErrors
from adapters.sql.migrations import HEAD
from domain.model.operations import Degraded
from ports.errors import BackendUnavailable
from ports.health import HealthProbe


class SqlProbe(HealthProbe):
    """One query: the migration the schema is at. Not ready until it is the head."""

    def __init__(self, engine: AsyncEngine, errors: SqlErrors) -> None:
        self._engine = engine
        self._errors = errors

    async def check(self) -> Degraded | None:
        with self._errors():
            async with self._engine.connect() as connection:
                migrated = await connection.run_sync(
                    lambda sync: inspect(sync).has_table("alembic_version")
                )
                version = None
                if migrated:
                    result = await connection.execute(
                        text("SELECT version_num FROM alembic_version")
                    )
                    version = result.scalar_one_or_none()
        if version != HEAD:
            raise BackendUnavailable(
                f"schema at migration {version}, expected {HEAD}: run `redis-practice db upgrade`"
            )
        return None
