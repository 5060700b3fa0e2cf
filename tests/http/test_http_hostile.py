"""The hostile corpus: inputs that broke this edge once or break edges like it, on every route
that takes a body, on every profile. Each gets a 4xx problem document and changes nothing."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from falcon import testing

from tests.http.conftest import ADMIN, INGEST, assert_problem, error_fields, login
from tests.support.waiting import settled

JSON_HEADERS = {"Content-Type": "application/json"}
INGESTING = {**JSON_HEADERS, **INGEST}


@dataclass(frozen=True)
class BodyRoute:
    """A route taking a body, a body it accepts, and who may call it."""

    method: str
    path: str
    body: dict[str, Any]
    auth: str | None = None  # "admin", "user", "ingest" or nobody


BODY_ROUTES = [
    BodyRoute("POST", "/notices", {"title": "t", "body": "b"}, "admin"),
    BodyRoute("POST", "/otp", {"user_id": "carol"}),
    BodyRoute("POST", "/otp/verify", {"user_id": "carol", "code": "123456"}),
    BodyRoute("POST", "/me/searches", {"term": "redis"}, "user"),
    BodyRoute("POST", "/rankings/b/scores", {"member": "m", "delta": 1}, "admin"),
    BodyRoute("PUT", "/rankings/b/members/m", {"score": 1}, "admin"),
    BodyRoute("POST", "/coupon-events", {"name": "n", "quantity": 1}, "admin"),
    BodyRoute("POST", "/events/alerts", {"type": "t", "payload": {"k": "v"}}, "admin"),
    BodyRoute("POST", "/usage", {"source": "s", "seq": 1, "payload": {"k": "v"}}, "ingest"),
]
ROUTE_IDS = [f"{route.method} {route.path}" for route in BODY_ROUTES]


def text_fields(body: dict[str, Any]) -> list[str]:
    return [name for name, value in body.items() if isinstance(value, str)]


def with_raw(body: dict[str, Any], name: str, raw_json: str) -> bytes:
    """`body` as JSON text, with member `name` replaced by `raw_json` written as it is."""
    marker = "\x00MARK\x00"
    text = json.dumps({**body, name: marker})
    return text.replace(json.dumps(marker), raw_json).encode()


Snapshot = Callable[[], Awaitable[list[object]]]


@pytest.fixture
async def snapshot(api: testing.ASGIConductor) -> Snapshot:
    """What a client can see of every store a body route writes to."""
    user = await login(api, "snapshot-user")

    async def take() -> list[object]:
        reads = [
            await api.simulate_get("/notices"),
            await api.simulate_get("/me/searches", headers=user),
            await api.simulate_get("/rankings/b"),
            await api.simulate_get("/coupon-events/1"),
            await api.simulate_get("/usage/s"),
        ]
        return [(read.status_code, read.json) for read in reads]

    return take


async def send(api: testing.ASGIConductor, route: BodyRoute, raw: bytes) -> testing.Result:
    headers = dict(JSON_HEADERS)
    if route.auth == "admin":
        headers |= ADMIN
    elif route.auth == "user":
        headers |= await login(api, "hostile-user")
    elif route.auth == "ingest":
        headers |= INGEST
    return await api.simulate_request(route.method, route.path, body=raw, headers=headers)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize(
    "escape", ["\\ud800", "\\udc00", "x\\ud800y", "\\ud800\\ud800", "\\udbff\\u0041"]
)
async def test_a_lone_surrogate_in_any_string_is_400_and_stores_nothing(
    api: testing.ASGIConductor, snapshot: Snapshot, route: BodyRoute, escape: str
) -> None:
    before = await snapshot()
    for name in text_fields(route.body):
        result = await send(api, route, with_raw(route.body, name, f'"{escape}"'))
        assert_problem(result, 400)

    assert await snapshot() == before


async def test_a_surrogate_notice_does_not_poison_the_board(api: testing.ASGIConductor) -> None:
    raw = with_raw({"title": "t", "body": "b"}, "title", '"\\ud800"')
    await api.simulate_post("/notices", body=raw, headers={**JSON_HEADERS, **ADMIN})
    posted = await api.simulate_post("/notices", json={"title": "ok", "body": "b"}, headers=ADMIN)

    listed = await api.simulate_get("/notices")

    assert listed.status_code == 200
    assert [notice["title"] for notice in listed.json["items"]] == ["ok"]
    assert (await api.simulate_get(f"/notices/{posted.json['id']}")).status_code == 200


async def test_a_proper_surrogate_pair_is_stored_and_read_back(api: testing.ASGIConductor) -> None:
    raw = with_raw({"title": "t", "body": "b"}, "title", '"smile \\ud83d\\ude00"')
    posted = await api.simulate_post("/notices", body=raw, headers={**JSON_HEADERS, **ADMIN})

    assert posted.status_code == 201
    assert posted.json["title"] == "smile \U0001f600"


@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 1_100 + b"]" * 1_100,
        b'{"a":' * 1_100 + b"1" + b"}" * 1_100,
        b"\xff",
        b'{"x": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8: not UTF-8
        b'{"x": 1} trailing',
        b'{"x": NaN}',
        b'{"x": Infinity}',
        b'\xef\xbb\xbf{"x": 1}',
    ],
    ids=[
        "deep-array",
        "deep-object",
        "bad-utf8",
        "utf8-surrogate",
        "trailing",
        "nan",
        "inf",
        "bom",
    ],
)
async def test_what_no_json_parser_should_take_is_400(
    api: testing.ASGIConductor, snapshot: Snapshot, route: BodyRoute, raw: bytes
) -> None:
    before = await snapshot()

    assert_problem(await send(api, route, raw), 400)
    assert await snapshot() == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
async def test_a_repeated_member_is_400_and_stores_nothing(
    api: testing.ASGIConductor, snapshot: Snapshot, route: BodyRoute
) -> None:
    before = await snapshot()
    first, value = next(iter(route.body.items()))
    text = json.dumps(route.body)
    repeated = "{" + f"{json.dumps(first)}: {json.dumps(value)}, " + text[1:]

    result = await send(api, route, repeated.encode())

    assert_problem(result, 400)
    assert repr(first) in result.json["detail"]
    assert await snapshot() == before


async def test_a_repeated_member_deep_in_a_payload_is_400(api: testing.ASGIConductor) -> None:
    raw = b'{"source": "s", "seq": 1, "payload": {"a": {"b": 1, "b": 2}}}'

    assert_problem(await api.simulate_post("/usage", body=raw, headers=INGESTING), 400)
    assert (await api.simulate_get("/usage/s")).json["count"] == 0


@pytest.mark.parametrize(("depth", "status"), [(32, 202), (33, 422), (900, 422)])
async def test_a_payload_nests_at_most_32_levels(
    api: testing.ASGIConductor, depth: int, status: int
) -> None:
    payload = "1"
    for _ in range(depth):
        payload = '{"a": ' + payload + "}"
    raw = b'{"source": "s", "seq": 1, "payload": ' + payload.encode() + b"}"

    result = await api.simulate_post("/usage", body=raw, headers=INGESTING)

    assert result.status_code == status, result.text
    if status == 422:
        assert error_fields(result) == ["payload"]


@pytest.mark.parametrize(
    ("route", "member", "raw", "status"),
    [
        (BODY_ROUTES[4], "delta", "1e400", 422),
        (BODY_ROUTES[4], "delta", "-1e400", 422),
        (BODY_ROUTES[4], "delta", str(10**400), 422),
        (BODY_ROUTES[4], "delta", str(2**70), 200),
        (BODY_ROUTES[5], "score", "1e308", 200),
        (BODY_ROUTES[8], "seq", str(2**70), 422),
        (BODY_ROUTES[8], "seq", str(2**63 - 1), 202),
        (BODY_ROUTES[8], "seq", "7.0", 202),
        (BODY_ROUTES[8], "seq", "7.5", 422),
        (BODY_ROUTES[6], "quantity", "1e3", 201),
        (BODY_ROUTES[0], "title", '"a\\u0000b"', 422),
        (BODY_ROUTES[0], "body", '"\\u0000"', 422),
        (BODY_ROUTES[3], "term", '"nul\\u0000"', 422),
        (BODY_ROUTES[6], "name", '"\\u0000"', 422),
        (BODY_ROUTES[7], "type", '"a\\u0000"', 422),
        (BODY_ROUTES[7], "payload", '{"nul": "\\u0000"}', 202),
        (BODY_ROUTES[1], "user_id", '"alice\\n"', 422),
        (BODY_ROUTES[0], "title", '"\\u3000\\ufeff"', 422),
    ],
)
async def test_numbers_and_text_at_the_edges(
    api: testing.ASGIConductor, route: BodyRoute, member: str, raw: str, status: int
) -> None:
    result = await send(api, route, with_raw(route.body, member, raw))

    assert result.status_code == status, result.text
    if status == 422:
        assert error_fields(result) == [member]


@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"1", b"null", b"true"])
async def test_a_body_that_is_not_an_object_is_422(
    api: testing.ASGIConductor, route: BodyRoute, raw: bytes
) -> None:
    assert error_fields(await send(api, route, raw)) == ["body"]


@pytest.mark.parametrize(
    "value",
    [
        "1" * 10_000 + "-0",
        # Arabic-Indic digits (UTF-8 on the wire): digits to `int()`, not to the declaration
        "\u0661-\u0660".encode().decode("latin-1"),
        "0x1-0",
        "+1-0",
        "1e3-0",
        "1-0;2-0",
        "1-0\t2-0",
        "\u00e9-0",
    ],
)
async def test_a_hostile_last_event_id_is_a_reset_and_leaves_nothing_behind(
    api: testing.ASGIConductor, assembly: Any, value: str
) -> None:
    assert await stream_status_once_reset(api, [("Last-Event-ID", value)]) == 200
    assert await settled(lambda: assembly.adapters.bus().subscribers == 0)


async def test_a_repeated_last_event_id_is_a_reset(
    api: testing.ASGIConductor, assembly: Any
) -> None:
    headers = [("Last-Event-ID", "1-0"), ("Last-Event-ID", "2-0")]

    assert await stream_status_once_reset(api, headers) == 200
    assert await settled(lambda: assembly.adapters.bus().subscribers == 0)


async def stream_status_once_reset(
    api: testing.ASGIConductor, headers: list[tuple[str, str]]
) -> int:
    """Follow channel `alerts` with `headers` until `event: reset` arrives; the status."""
    async with api.simulate_get_stream(
        "/events/stream", params={"channel": "alerts"}, headers=headers
    ) as result:
        received = b""
        async with asyncio.timeout(2):
            while b"event: reset" not in received:
                received += await result.stream.read()
        return result.status_code


HOSTILE_TOKENS = [
    "Bearer " + "A" * 10_000,
    "Bearer \u00e9t\u00e9",
    "Bearer ' OR '1'='1",
    "Bearer token\ttab",
    "bearer lowercase-scheme",
    "Bearer a b",
]


@pytest.mark.parametrize("authorization", HOSTILE_TOKENS)
async def test_a_hostile_token_reads_no_coupons_and_claims_none(
    api: testing.ASGIConductor, snapshot: Snapshot, authorization: str
) -> None:
    event = await api.simulate_post(
        "/coupon-events", json={"name": "n", "quantity": 1}, headers=ADMIN
    )
    before = await snapshot()
    headers = {"Authorization": authorization}

    mine = await api.simulate_get("/me/coupons", headers=headers)
    claim = await api.simulate_post(f"/coupon-events/{event.json['id']}/claims", headers=headers)

    assert_problem(mine, 401)
    assert_problem(claim, 401)
    assert await snapshot() == before


@pytest.mark.parametrize("authorization", HOSTILE_TOKENS)
async def test_a_hostile_token_ingests_nothing(
    api: testing.ASGIConductor, authorization: str
) -> None:
    answer = await api.simulate_post(
        "/usage", json={"source": "s", "seq": 1}, headers={"Authorization": authorization}
    )

    assert_problem(answer, 401)
    assert (await api.simulate_get("/usage/s")).json["count"] == 0


async def test_my_coupons_ignores_a_query_and_a_body(api: testing.ASGIConductor) -> None:
    user = await login(api, "quiet-user")

    answer = await api.simulate_get(
        "/me/coupons",
        params={"user_id": "someone-else", "limit": "-1"},
        body=b'{"user_id": "someone-else"}',
        headers={**user, **JSON_HEADERS},
    )

    assert answer.status_code == 200
    assert answer.json == {"items": []}
