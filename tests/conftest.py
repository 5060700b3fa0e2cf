"""Fixtures every suite shares."""

from collections.abc import Iterator

import pytest

from adapters.sql.migrations import upgrade
from composition.settings import Settings
from tests.support.clock import ManualClock
from tests.support.cluster import ClusterTopology, running_cluster
from tests.support.postgres_server import PostgresServer, running_postgres
from tests.support.redis_server import RedisServer, running_redis
from tests.support.secrets import ScriptedSecrets
from tests.support.sentinel_topology import SentinelTopology, running_topology
from tests.support.settings import settings_for_tests


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings() -> Settings:
    return settings_for_tests()


@pytest.fixture
def secrets() -> ScriptedSecrets:
    return ScriptedSecrets()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session (tests empty it first)."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def sentinel_topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelTopology]:
    """One Sentinel topology for the session (tests empty it first; a test that fails the
    master over heals it before it ends)."""
    with running_topology(tmp_path_factory.mktemp("sentinel")) as topology:
        yield topology


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterTopology]:
    """One Redis Cluster for the session (tests empty it first)."""
    with running_cluster(tmp_path_factory.mktemp("cluster")) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster for the session (tests reset its schema first)."""
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: PostgresServer) -> PostgresServer:
    """The session's PostgreSQL with the schema at the latest migration."""
    postgres_server.reset()
    upgrade(postgres_server.url)
    return postgres_server
