"""The `redis` profile with PostgreSQL killed and started again: cached pages are still served,
everything that needs the database answers 503 in time and stores nothing, and all of it
recovers by itself."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import replace

import pytest
from falcon import testing
from redis.asyncio import Redis

from adapters.sql.migrations import upgrade
from composition.root import assemble
from composition.settings import Profile, Settings
from tests.http.conftest import ADMIN, assert_problem
from tests.support.clock import ManualClock
from tests.support.postgres_server import PostgresServer, running_postgres
from tests.support.redis_server import RedisServer

DEADLINE_SECONDS = 2.0
MARGIN_SECONDS = 1.0
"""The app answers by its deadline; the test allows this much more before calling it a hang."""


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A cluster of this test's own, to kill and start again."""
    with running_postgres() as server:
        upgrade(server.url)
        yield server


@pytest.fixture
async def api(
    own_postgres: PostgresServer,
    redis_server: RedisServer,
    settings: Settings,
    clock: ManualClock,
) -> AsyncIterator[testing.ASGIConductor]:
    async with Redis.from_url(redis_server.url) as client:
        await client.flushall()
    on_postgres = replace(
        settings,
        profile=Profile.REDIS,
        redis_url=redis_server.url,
        database_url=own_postgres.url,
        request_deadline_seconds=DEADLINE_SECONDS,
    )
    assembly = assemble(on_postgres, clock=clock)
    async with testing.ASGIConductor(assembly.app()) as conductor:
        yield conductor
    await assembly.backends().shutdown()


async def in_time(request: Awaitable[testing.Result]) -> testing.Result:
    """The answer, which must come by the deadline: a 503, never a hang."""
    async with asyncio.timeout(DEADLINE_SECONDS + MARGIN_SECONDS):
        return await request


async def test_with_the_database_down_hits_are_served_and_the_rest_is_503(
    api: testing.ASGIConductor, own_postgres: PostgresServer
) -> None:
    posted = await api.simulate_post("/notices", json={"title": "kept", "body": "b"}, headers=ADMIN)
    assert (await api.simulate_get("/notices")).headers["x-cache"] == "MISS"

    own_postgres.stop()

    hit = await in_time(api.simulate_get("/notices"))
    assert (hit.status_code, hit.headers["x-cache"]) == (200, "HIT")
    assert [notice["title"] for notice in hit.json["items"]] == ["kept"]
    for method, path, body in [
        ("GET", "/notices?limit=5", None),  # a miss
        ("GET", f"/notices/{posted.json['id']}", None),
        ("POST", "/notices", {"title": "lost?", "body": "b"}),
    ]:
        result = await in_time(api.simulate_request(method, path, json=body, headers=ADMIN))
        assert_problem(result, 503)
        assert result.headers["retry-after"] == "1", path
    ready = await in_time(api.simulate_get("/readyz"))
    assert_problem(ready, 503)
    assert ready.json["checks"]["database"].startswith("unavailable: the database failed")
    assert ready.json["checks"]["redis"] == "ok"
    assert 'db_errors_total{kind="' in (await api.simulate_get("/metrics")).text

    own_postgres.start()  # the same data: crash recovery

    async with asyncio.timeout(10):
        while (await api.simulate_get("/readyz")).status_code != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # until the app's pool reconnects
    page = await api.simulate_get("/notices?limit=5")
    assert page.status_code == 200
    assert [notice["title"] for notice in page.json["items"]] == ["kept"], "nothing was stored"
    again = await api.simulate_post("/notices", json={"title": "back", "body": "b"}, headers=ADMIN)
    assert again.status_code == 201
    assert (await api.simulate_get("/notices")).json["total"] == 2


async def test_a_statement_past_its_timeout_is_a_503_in_time(
    api: testing.ASGIConductor, own_postgres: PostgresServer
) -> None:
    async with own_postgres.locked("notices"):  # every read of notices now waits
        result = await in_time(api.simulate_get("/notices"))

    assert_problem(result, 503)
    assert 'db_errors_total{kind="statement_timeout"}' in (await api.simulate_get("/metrics")).text
