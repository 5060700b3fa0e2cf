"""Two instances, one truth: two app processes on the `redis` profile, one Redis, one
PostgreSQL. What one acknowledges, the other serves at once; a post costs one database read
for the whole fleet, however many readers come at once. All of it twice: reading Redis, and
with the near cache (`NEAR_CACHE=true`, issue 21), whose pages held in each process must not
weaken any of it."""

import asyncio
import json
import re
import urllib.request
from collections.abc import Iterator

import aiohttp
import pytest

from tests.support.app_server import AppServer, redis_environment, running_app
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer
from tests.support.settings import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}


@pytest.fixture(scope="module", params=["redis", "near-cache"])
def instances(
    request: pytest.FixtureRequest,
    redis_server: RedisServer,
    migrated_postgres: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[AppServer, AppServer]]:
    redis_server.flush()
    migrated_postgres.empty()
    environment = redis_environment(
        redis_server.url,
        migrated_postgres.url,
        OTP_SECRET="two-instances-otp-secret-0123",
        NEAR_CACHE=str(request.param == "near-cache").lower(),
    )
    logs = tmp_path_factory.mktemp("instances")
    with (
        running_app(environment, log=logs / "a.log") as first,
        running_app(environment, log=logs / "b.log") as second,
    ):
        yield first, second


def call(method: str, url: str, body: object = None) -> tuple[int, dict[str, object]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=ADMIN)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        document: dict[str, object] = json.loads(response.read())
        return response.status, document


def test_a_notice_posted_on_one_instance_is_served_at_once_by_the_other(
    instances: tuple[AppServer, AppServer],
) -> None:
    for n in range(50):
        writer, reader = instances if n % 2 == 0 else instances[::-1]
        status, posted = call("POST", f"{writer.url}/notices", {"title": f"n{n}", "body": "b"})
        assert status == 201

        _, page = call("GET", f"{reader.url}/notices")
        items = page["items"]
        assert isinstance(items, list)
        assert items[0]["id"] == posted["id"], f"round {n}: the page lacks the new notice"
        assert call("GET", f"{reader.url}/notices/{posted['id']}") == (200, posted)


def login(server: AppServer, user: str) -> dict[str, str]:
    _, issued = call("POST", f"{server.url}/otp", {"user_id": user})
    _, session = call("POST", f"{server.url}/otp/verify", {"user_id": user, "code": issued["code"]})
    return {"Authorization": f"Bearer {session['token']}"}


def test_a_coupon_claimed_on_one_instance_is_listed_at_once_by_both(
    instances: tuple[AppServer, AppServer],
) -> None:
    """Read-your-writes on `/me/coupons`: once a claim answered 201 (or 409 naming the
    coupon), the caller's next read lists it, on the instance that answered and on the
    other (50 claims, one read right after each, alternating)."""
    _, event = call("POST", f"{instances[0].url}/coupon-events", {"name": "mine", "quantity": 60})
    for n in range(50):
        claimer, reader = instances if n % 2 == 0 else instances[::-1]
        if n >= 25:
            reader = claimer
        headers = login(claimer, f"reader{n}")
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{claimer.url}/coupon-events/{event['id']}/claims", method="POST", headers=headers
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            claimed = json.loads(response.read())

        listing = urllib.request.Request(f"{reader.url}/me/coupons", headers=headers)  # noqa: S310
        with urllib.request.urlopen(listing, timeout=10) as response:  # noqa: S310
            items = json.loads(response.read())["items"]
        assert [item["coupon_id"] for item in items] == [claimed["coupon_id"]], f"claim {n}"


def metric(server: AppServer, series: str) -> float:
    """One series of the server's /metrics (0 when it is not there)."""
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def page_reads(server: AppServer) -> float:
    return metric(server, 'db_queries_total{operation="page"}')


async def read_at_once(servers: tuple[AppServer, ...], readers_each: int) -> list[int]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def read(server: AppServer) -> int:
            async with session.get(f"{server.url}/notices") as response:
                await response.read()
                return response.status

        return await asyncio.gather(
            *(read(server) for server in servers for _ in range(readers_each))
        )


@pytest.mark.parametrize(("count", "readers_each"), [(1, 300), (2, 150)], ids=["1x300", "2x150"])
def test_a_post_costs_one_database_read_for_the_whole_fleet(
    instances: tuple[AppServer, AppServer], count: int, readers_each: int
) -> None:
    servers = instances[:count]
    call("POST", f"{servers[0].url}/notices", {"title": "stampede", "body": "b"})
    before = sum(page_reads(server) for server in instances)

    statuses = asyncio.run(read_at_once(servers, readers_each))

    assert statuses == [200] * (count * readers_each)
    assert sum(page_reads(server) for server in instances) - before == 1


async def post_and_read_amid_a_crowd(writer: AppServer, reader: AppServer, rounds: int) -> int:
    """Posts on `writer`, reads the list on `reader` right after each 201 while 30 clients
    keep reading that page from `reader` (so its lookups are shared); the crowd's reads."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        done = asyncio.Event()

        async def crowd() -> int:
            served = 0
            while not done.is_set():
                async with session.get(f"{reader.url}/notices") as response:
                    await response.read()
                    assert response.status == 200
                    served += 1
            return served

        readers = [asyncio.create_task(crowd()) for _ in range(30)]
        try:
            for n in range(rounds):
                async with session.post(
                    f"{writer.url}/notices", json={"title": f"amid {n}", "body": "b"}, headers=ADMIN
                ) as response:
                    assert response.status == 201
                    posted = await response.json()
                async with session.get(f"{reader.url}/notices") as response:
                    page = await response.json()
                assert page["items"][0]["id"] == posted["id"], f"round {n}: lacks the new notice"
        finally:
            done.set()
        return sum(await asyncio.gather(*readers))


def test_a_notice_posted_on_one_instance_is_served_by_the_other_amid_a_crowd_of_readers(
    instances: tuple[AppServer, AppServer],
) -> None:
    served = asyncio.run(post_and_read_amid_a_crowd(*instances, rounds=100))

    assert served > 30, "the crowd read all along"


def test_with_the_near_cache_a_hit_costs_no_round_trip_and_a_post_elsewhere_drops_it(
    request: pytest.FixtureRequest, instances: tuple[AppServer, AppServer]
) -> None:
    """What the near cache's metrics show (and, reading Redis, that they stay at 0): reads
    served from memory, the other instance's post pushed and every page dropped for it."""
    writer, reader = instances
    near = "near-cache" in request.node.callspec.id
    for _ in range(20):
        call("GET", f"{reader.url}/notices")
    before = {
        series: metric(reader, series)
        for series in (
            'cache_requests_total{result="near_hit"}',
            "near_cache_invalidations_total",
            'near_cache_flushes_total{reason="generation"}',
        )
    }
    held = metric(reader, "near_cache_bytes")
    for _ in range(20):
        call("GET", f"{reader.url}/notices")

    call("POST", f"{writer.url}/notices", {"title": "elsewhere", "body": "b"})
    _, page = call("GET", f"{reader.url}/notices")

    assert page["items"][0]["title"] == "elsewhere"  # type: ignore[index]
    grown = {series: metric(reader, series) - count for series, count in before.items()}
    if near:
        assert held > 0, "the page is held in the reader's memory"
        assert grown['cache_requests_total{result="near_hit"}'] >= 20, "no round trip"
        assert grown["near_cache_invalidations_total"] >= 1
        assert grown['near_cache_flushes_total{reason="generation"}'] >= 1
    else:
        assert (held, *grown.values()) == (0, 0, 0, 0), "no near cache: none of it"
