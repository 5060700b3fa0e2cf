"""`/notices` as API.md states it: statuses, fields, `X-Cache`, errors."""

import re

import pytest
from falcon import testing

from tests.http.conftest import ADMIN, Rebuild, assert_problem, error_fields, login

RFC3339_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def post_notice(api: testing.ASGIConductor, title: str = "Title") -> testing.Result:
    return await api.simulate_post("/notices", json={"title": title, "body": "Body"}, headers=ADMIN)


async def test_post_creates_a_notice_with_its_location(api: testing.ASGIConductor) -> None:
    result = await api.simulate_post(
        "/notices", json={"title": "  Hello ", "body": " World "}, headers=ADMIN
    )

    assert result.status_code == 201
    assert result.headers["location"] == f"/notices/{result.json['id']}"
    assert result.headers["content-type"] == "application/json"
    notice = result.json
    assert (notice["title"], notice["body"]) == ("Hello", "World")
    assert set(notice) == {"id", "title", "body", "created_at"}
    assert RFC3339_UTC_MS.match(notice["created_at"])
    assert notice["created_at"] == "2026-11-25T18:00:00.000Z"  # the manual clock's time

    fetched = await api.simulate_get(result.headers["location"])
    assert (fetched.status_code, fetched.json) == (200, notice)


async def test_the_list_is_cached_and_a_post_invalidates_it(api: testing.ASGIConductor) -> None:
    await post_notice(api, "first")

    miss = await api.simulate_get("/notices")
    hit = await api.simulate_get("/notices")
    await post_notice(api, "second")
    after = await api.simulate_get("/notices")

    assert [miss.headers["x-cache"], hit.headers["x-cache"]] == ["MISS", "HIT"]
    assert hit.json == miss.json
    assert miss.json["total"] == 1
    assert after.headers["x-cache"] == "MISS"
    assert [n["title"] for n in after.json["items"]] == ["second", "first"]
    assert (after.json["limit"], after.json["offset"], after.json["total"]) == (20, 0, 2)


async def test_limit_and_offset_page_newest_first(api: testing.ASGIConductor) -> None:
    for n in range(5):
        await post_notice(api, f"n{n}")

    page = await api.simulate_get("/notices", params={"limit": "2", "offset": "3"})

    assert [n["title"] for n in page.json["items"]] == ["n1", "n0"]
    assert (page.json["limit"], page.json["offset"], page.json["total"]) == (2, 3, 5)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("limit=1&limit=2", "limit"),
        ("offset=-1", "offset"),
        ("offset=100001", "offset"),
        ("offset=1.5", "offset"),
    ],
)
async def test_bad_paging_is_422(api: testing.ASGIConductor, query: str, field: str) -> None:
    result = await api.simulate_get("/notices", query_string=query)

    assert error_fields(result) == [field]


async def test_every_bad_field_is_reported_at_once(api: testing.ASGIConductor) -> None:
    result = await api.simulate_post(
        "/notices", json={"title": "   ", "body": 5, "extra": True}, headers=ADMIN
    )

    assert error_fields(result) == ["title", "body", "extra"]
    messages = [error["message"] for error in result.json["errors"]]
    assert messages == ["must not be blank", "must be a string", "is not a known field"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["title", "body"]),
        ({"title": "t" * 201, "body": "b"}, ["title"]),
        ({"title": "t", "body": "b" * 10_001}, ["body"]),
        ([], ["body"]),
        ("text", ["body"]),
    ],
)
async def test_a_bad_notice_is_422_and_stores_nothing(
    api: testing.ASGIConductor, body: object, fields: list[str]
) -> None:
    result = await api.simulate_post("/notices", json=body, headers=ADMIN)

    assert error_fields(result) == fields
    assert (await api.simulate_get("/notices")).json["total"] == 0


async def test_posting_needs_the_admin_token(api: testing.ASGIConductor) -> None:
    anonymous = await api.simulate_post("/notices", json={"title": "t", "body": "b"})
    user = await api.simulate_post(
        "/notices", json={"title": "t", "body": "b"}, headers=await login(api)
    )

    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert_problem(user, 403)
    assert (await api.simulate_get("/notices")).json["total"] == 0


@pytest.mark.parametrize("path", ["/notices/1", "/notices/0", "/notices/-3", "/notices/abc"])
async def test_an_unknown_notice_is_404(api: testing.ASGIConductor, path: str) -> None:
    assert_problem(await api.simulate_get(path), 404)


async def test_with_the_cache_disabled_every_page_is_a_bypass(rebuild: Rebuild) -> None:
    async with testing.ASGIConductor(rebuild(cache_enabled=False).app()) as api:
        await post_notice(api)
        headers = [(await api.simulate_get("/notices")).headers["x-cache"] for _ in range(2)]

    assert headers == ["BYPASS", "BYPASS"]
