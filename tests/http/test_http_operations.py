"""`/healthz`, `/readyz`, `/metrics` and `/openapi.json`."""

import asyncio
import contextlib

import falcon.asgi
import pytest
from dependency_injector import providers
from falcon import inspect, testing
from openapi_spec_validator import validate
from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError

from adapters.http.edge import ASGIApp, Edge
from adapters.inmemory.health import InMemoryProbe
from adapters.redis import keys
from composition.root import Assembly
from composition.settings import Profile, Settings
from domain.model.operations import Degraded
from ports.errors import BackendUnavailable
from tests.http.conftest import ADMIN, assert_problem, flush_redis, login, master_of, redis_url


async def test_healthz_is_ok(api: testing.ASGIConductor) -> None:
    result = await api.simulate_get("/healthz")

    assert (result.status_code, result.json) == (200, {"status": "ok"})


async def test_readyz_reports_each_check(
    api: testing.ASGIConductor, profile_settings: Settings
) -> None:
    result = await api.simulate_get("/readyz")

    expected = {"memory"} if profile_settings.profile is Profile.MEMORY else {"redis", "database"}
    assert (result.status_code, result.json["status"]) == (200, "ready")
    assert result.json["checks"] == dict.fromkeys(expected, "ok")


class FailingProbe(InMemoryProbe):
    async def check(self) -> Degraded | None:
        raise BackendUnavailable("connection refused")


async def test_readyz_is_503_naming_the_failing_check(assembly: Assembly) -> None:
    assembly.adapters.probes.override(
        providers.Dict(
            memory=providers.Object(InMemoryProbe()), redis=providers.Object(FailingProbe())
        )
    )
    async with testing.ASGIConductor(assembly.app()) as api:
        result = await api.simulate_get("/readyz")

    assert_problem(result, 503, checks={"memory": "ok", "redis": "unavailable: connection refused"})
    assert result.headers["retry-after"] == "1"


async def test_a_full_redis_is_reported_not_unready_and_its_memory_is_exported(
    api: testing.ASGIConductor, profile_settings: Settings
) -> None:
    """Redis at its maxmemory (noeviction) refuses every write: /readyz says so in its checks
    and stays 200 (see docs/operations.md: every instance shares that Redis, and an
    orchestrator would take them all out of rotation while reads still work); writes answer
    503, counted as out_of_memory; /metrics exports used and max memory."""
    url = await asyncio.to_thread(redis_url, profile_settings)
    if profile_settings.profile is Profile.CLUSTER:
        # NOTE: a cluster fills master by master: the one that holds the ranking's slot.
        url = await master_of(profile_settings, keys.leaderboard("weekly"))
    if url is None:
        pytest.skip("the memory profile has no Redis to fill")
    async with Redis.from_url(url) as client:
        used = int((await client.info("memory"))["used_memory"])
        await client.config_set("maxmemory", used + 2_000_000)
        try:
            filled = 0
            with contextlib.suppress(OutOfMemoryError):
                while filled < 10_000:  # 2 MB in 1 KB values, and more than enough
                    await client.set(f"filler:{{weekly}}:{filled}", "x" * 1_000)
                    filled += 1
            ready = await api.simulate_get("/readyz")
            write = await api.simulate_put(
                "/rankings/weekly/members/ann", json={"score": 1}, headers=ADMIN
            )
            read = await api.simulate_get("/rankings/weekly")
            metrics = (await api.simulate_get("/metrics")).text
        finally:
            await client.config_set("maxmemory", 0)
            await flush_redis(profile_settings)

    assert filled < 10_000, "Redis never refused a write"
    assert ready.status_code == 200
    assert ready.json["checks"]["redis"].startswith("degraded: full: "), ready.json
    if profile_settings.profile is Profile.CLUSTER:
        assert url.removeprefix("redis://").removesuffix("/0") in ready.json["checks"]["redis"]
    assert_problem(write, 503)
    assert read.status_code == 200, "reads still work"
    assert 'redis_errors_total{kind="out_of_memory"}' in metrics
    samples = dict(line.rsplit(" ", 1) for line in metrics.splitlines() if line[:1] != "#")
    assert float(samples["redis_memory_max_bytes"]) == used + 2_000_000
    assert float(samples["redis_memory_used_bytes"]) >= used + 2_000_000


async def test_metrics_count_requests_and_outcomes(api: testing.ASGIConductor) -> None:
    await api.simulate_post("/notices", json={"title": "t", "body": "b"}, headers=ADMIN)
    await api.simulate_get("/notices")
    await api.simulate_get("/notices")
    await api.simulate_get("/notices/1")
    await api.simulate_get("/no/such/path")
    event = await api.simulate_post(
        "/coupon-events", json={"name": "e", "quantity": 1}, headers=ADMIN
    )
    await api.simulate_post(f"/coupon-events/{event.json['id']}/claims", headers=await login(api))

    result = await api.simulate_get("/metrics")

    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/plain")
    text = result.text
    for sample in [
        'http_requests_total{method="GET",route="/notices",status="200"} 2.0',
        'http_requests_total{method="GET",route="/notices/{notice_id}",status="200"} 1.0',
        'http_requests_total{method="GET",route="unmatched",status="404"} 1.0',
        'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/notices"}',
        'cache_requests_total{result="miss"} 1.0',
        'cache_requests_total{result="hit"} 1.0',
        'db_queries_total{operation="page"} 1.0',
        'db_queries_total{operation="get"} 1.0',
        'coupon_claims_total{result="claimed",strategy="atomic"} 1.0',
        'otp_verifications_total{result="verified"} 1.0',
        "# TYPE redis_errors_total counter",
    ]:
        assert sample in text, sample


def app_routes(app: ASGIApp) -> dict[str, set[str]]:
    assert isinstance(app, Edge)
    falcon_app = app.wrapped
    assert isinstance(falcon_app, falcon.asgi.App)
    routes: dict[str, set[str]] = {}
    for route in inspect.inspect_routes(falcon_app):
        path = route.path
        for name in ("notice_id", "event_id"):
            path = path.replace(f"{{{name}:id}}", f"{{{name}}}")
        routes[path] = {method.method.lower() for method in route.methods if not method.internal}
    return routes


async def test_openapi_is_a_valid_3_1_document_of_exactly_the_routes(
    assembly: Assembly, api: testing.ASGIConductor
) -> None:
    document = (await api.simulate_get("/openapi.json")).json

    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {path: set(operations) for path, operations in document["paths"].items()}
    assert documented == app_routes(assembly.app())


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/openapi.json"])
async def test_operations_endpoints_are_read_only(api: testing.ASGIConductor, path: str) -> None:
    result = await api.simulate_post(path, json={})

    assert_problem(result, 405)
    assert result.headers["allow"].startswith("GET")
