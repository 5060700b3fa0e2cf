"""Alembic environment: migrations run on a synchronous connection to the configured URL."""

from alembic import context
from sqlalchemy import create_engine, pool

from adapters.sql.tables import metadata

config = context.config
url = config.attributes["url"]

engine = create_engine(url, poolclass=pool.NullPool)
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
