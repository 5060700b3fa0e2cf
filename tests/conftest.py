"""Fixtures every suite shares."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.clock import ManualClock
from tests.support.redis_server import CANDIDATES, RedisServer, require_binary


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session (tests empty it first)."""
    directory: Path = tmp_path_factory.mktemp("redis")
    server = RedisServer(require_binary("redis-server", CANDIDATES), directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
