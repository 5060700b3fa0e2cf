"""What the ledger suites share: an emptied PostgreSQL for each test."""

import pytest

from tests.support.postgres_server import PostgresServer


@pytest.fixture
def database(migrated_postgres: PostgresServer) -> PostgresServer:
    migrated_postgres.empty()
    return migrated_postgres
