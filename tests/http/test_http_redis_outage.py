"""The `redis` profile with Redis stopped and started again: what degrades, what fails closed,
and that everything recovers by itself."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from falcon import testing

from composition.root import assemble
from composition.settings import Profile, Settings
from tests.http.conftest import ADMIN, INGEST, assert_problem, login
from tests.http.test_http_events import follow
from tests.support.clock import ManualClock
from tests.support.redis_server import RedisServer, running_redis

DEADLINE_SECONDS = 2.0


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A server of this test's own, to stop and start."""
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def api(
    own_redis: RedisServer, settings: Settings, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[testing.ASGIConductor]:
    redis_settings = replace(
        settings,
        profile=Profile.REDIS,
        redis_url=own_redis.url,
        database_url=f"sqlite:///{tmp_path / 'notices.sqlite3'}",  # migrated on start
    )
    assembly = assemble(redis_settings, clock=clock, sse_keepalive_seconds=0.05)
    async with testing.ASGIConductor(assembly.app()) as conductor:
        yield conductor


async def within_deadline(request: Awaitable[testing.Result]) -> testing.Result:
    """The answer, which must come within the request deadline: a 503, never a hang."""
    async with asyncio.timeout(DEADLINE_SECONDS):
        return await request


async def test_with_redis_down_notices_are_served_and_the_rest_fails_closed(
    api: testing.ASGIConductor, own_redis: RedisServer
) -> None:
    await api.simulate_post("/notices", json={"title": "kept", "body": "b"}, headers=ADMIN)
    user = await login(api)
    event = await api.simulate_post(
        "/coupon-events", json={"name": "e", "quantity": 5}, headers=ADMIN
    )

    own_redis.stop()

    page = await within_deadline(api.simulate_get("/notices"))
    assert (page.status_code, page.headers["x-cache"]) == (200, "BYPASS")
    assert [notice["title"] for notice in page.json["items"]] == ["kept"]
    for method, path, body, headers in [
        ("POST", "/otp", {"user_id": "bob"}, {}),
        ("POST", "/otp/verify", {"user_id": "bob", "code": "123456"}, {}),
        ("GET", "/me/searches", None, user),
        ("POST", f"/coupon-events/{event.json['id']}/claims", None, user),
        ("GET", "/rankings/weekly", None, {}),
        ("POST", "/rankings/weekly/scores", {"member": "a", "delta": 1}, ADMIN),
        ("POST", "/usage", {"source": "s", "seq": 1}, INGEST),
        ("POST", "/events/alerts", {"type": "t", "payload": {}}, ADMIN),
        ("GET", "/events/stream?channel=alerts", None, {}),
    ]:
        result = await within_deadline(
            api.simulate_request(method, path, json=body, headers=headers)
        )
        assert_problem(result, 503)
        assert result.headers["retry-after"] == "1", path
    ready = await within_deadline(api.simulate_get("/readyz"))
    assert_problem(ready, 503)
    assert ready.json["checks"]["redis"].startswith("unavailable: redis is unreachable")
    metrics = (await api.simulate_get("/metrics")).text
    assert 'redis_errors_total{kind="connection"}' in metrics

    own_redis.start()  # empty: no persistence in tests

    assert (await api.simulate_get("/readyz")).status_code == 200
    assert (await api.simulate_get("/notices")).headers["x-cache"] == "MISS"
    assert (await api.simulate_get("/notices")).headers["x-cache"] == "HIT"
    again = await login(api, "bob")
    assert (await api.simulate_get("/me/searches", headers=again)).json == {"terms": []}


async def test_posting_a_notice_with_redis_down_stores_nothing(
    api: testing.ASGIConductor, own_redis: RedisServer
) -> None:
    own_redis.stop()

    refused = await within_deadline(
        api.simulate_post("/notices", json={"title": "t", "body": "b"}, headers=ADMIN)
    )

    assert_problem(refused, 503)
    assert (await api.simulate_get("/notices")).json["total"] == 0


async def test_an_event_stream_keeps_working_across_a_redis_restart(
    api: testing.ASGIConductor, own_redis: RedisServer
) -> None:
    async with follow(api, "alerts") as stream:
        own_redis.restart()
        async with asyncio.timeout(10):
            n = 0
            while b"event: after.restart" not in stream.received:  # until re-subscribed
                n += 1
                published = await api.simulate_post(
                    "/events/alerts",
                    json={"type": "after.restart", "payload": {"n": n}},
                    headers=ADMIN,
                )
                assert published.status_code in (202, 503)
                stream.received += await stream.result.stream.read()
                await asyncio.sleep(0.05)
