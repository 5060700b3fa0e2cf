"""Alembic migrations of the SQL schema, shipped with the package; `upgrade` applies them.

`redis-practice db upgrade` calls `upgrade`; the embedded SQLite database is upgraded at
start, PostgreSQL only on request (`db upgrade`, or `serve --migrate`).
"""

from importlib import resources
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from adapters.sql.database import database_url, sync_url

HEAD: Final = "0002"
"""The revision this code expects (a test checks it is the scripts' head)."""


def _config(raw_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files(__package__)))
    # NOTE: passed as an attribute, not a main option: ConfigParser would read a '%' in a
    # password as interpolation.
    config.attributes["url"] = sync_url(database_url(raw_url))
    return config


def upgrade(raw_url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision` (synchronous: run it in a thread from async code)."""
    command.upgrade(_config(raw_url), revision)


def current(raw_url: str) -> str | None:
    """The revision the database is at (None: not migrated)."""
    engine = create_engine(sync_url(database_url(raw_url)))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
