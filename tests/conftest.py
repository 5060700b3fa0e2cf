"""Fixtures every suite shares."""

from collections.abc import Iterator

import pytest

from tests.support.clock import ManualClock
from tests.support.redis_server import RedisServer, running_redis


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session (tests empty it first)."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server
