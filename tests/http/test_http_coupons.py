"""`/coupon-events` as API.md states it, herd included."""

import asyncio
from typing import Any

import pytest
from falcon import testing

from tests.http.conftest import ADMIN, Advance, assert_problem, error_fields, login


async def open_event(
    api: testing.ASGIConductor, quantity: int = 3, strategy: str | None = None
) -> testing.Result:
    body: dict[str, object] = {"name": " Launch ", "quantity": quantity}
    if strategy is not None:
        body["strategy"] = strategy
    return await api.simulate_post("/coupon-events", json=body, headers=ADMIN)


async def test_an_event_is_created_atomic_by_default(api: testing.ASGIConductor) -> None:
    created = await open_event(api)

    assert created.status_code == 201
    assert created.headers["location"] == f"/coupon-events/{created.json['id']}"
    assert created.json == {
        "id": created.json["id"],
        "name": "Launch",
        "quantity": 3,
        "strategy": "atomic",
        "issued": 0,
        "remaining": 3,
    }
    assert (await api.simulate_get(created.headers["location"])).json == created.json


@pytest.mark.parametrize("strategy", ["atomic", "lock", "naive"])
async def test_claims_201_then_409_then_410(api: testing.ASGIConductor, strategy: str) -> None:
    event_id = (await open_event(api, quantity=1, strategy=strategy)).json["id"]
    alice, bob = await login(api, "alice"), await login(api, "bob")
    claims = f"/coupon-events/{event_id}/claims"

    granted = await api.simulate_post(claims, headers=alice)
    again = await api.simulate_post(claims, headers=alice)
    late = await api.simulate_post(claims, headers=bob)

    assert granted.status_code == 201
    assert granted.json == {"coupon_id": 1, "event_id": event_id, "user_id": "alice"}
    assert_problem(again, 409, coupon_id=1)
    assert_problem(late, 410)
    event = (await api.simulate_get(f"/coupon-events/{event_id}")).json
    assert (event["strategy"], event["issued"], event["remaining"]) == (strategy, 1, 0)


async def test_claims_are_listed_for_the_admin_in_claim_order(api: testing.ASGIConductor) -> None:
    event_id = (await open_event(api, quantity=5)).json["id"]
    for user in ["u1", "u2", "u3"]:
        await api.simulate_post(f"/coupon-events/{event_id}/claims", headers=await login(api, user))

    page = await api.simulate_get(
        f"/coupon-events/{event_id}/claims", params={"limit": "2", "offset": "1"}, headers=ADMIN
    )

    assert page.json == {
        "total": 3,
        "items": [{"user_id": "u2", "coupon_id": 2}, {"user_id": "u3", "coupon_id": 3}],
    }
    assert_problem(
        await api.simulate_get(f"/coupon-events/{event_id}/claims", headers=await login(api)), 403
    )


async def test_a_herd_over_http_gets_exactly_the_quantity(api: testing.ASGIConductor) -> None:
    event_id = (await open_event(api, quantity=10, strategy="lock")).json["id"]
    users = [await login(api, f"user{n}") for n in range(60)]

    results = await asyncio.gather(
        *(api.simulate_post(f"/coupon-events/{event_id}/claims", headers=h) for h in users)
    )

    statuses = sorted(result.status_code for result in results)
    assert statuses == [201] * 10 + [410] * 50


@pytest.mark.parametrize(
    "path",
    ["/coupon-events/99", "/coupon-events/99/claims", "/coupon-events/0", "/coupon-events/x"],
)
async def test_unknown_events_are_404(api: testing.ASGIConductor, path: str) -> None:
    assert_problem(await api.simulate_get(path, headers=ADMIN), 404)


async def test_claiming_an_unknown_event_is_404(api: testing.ASGIConductor) -> None:
    assert_problem(
        await api.simulate_post("/coupon-events/99/claims", headers=await login(api)), 404
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "n", "quantity": 0}, ["quantity"]),
        ({"name": "n", "quantity": 1_000_001}, ["quantity"]),
        ({"name": "n", "quantity": 2.5}, ["quantity"]),
        ({"name": "n", "quantity": 1, "strategy": "optimistic"}, ["strategy"]),
        ({"name": " ", "quantity": 1}, ["name"]),
        ({"quantity": 1}, ["name"]),
    ],
)
async def test_a_bad_event_is_422(
    api: testing.ASGIConductor, body: dict[str, object], fields: list[str]
) -> None:
    result = await api.simulate_post("/coupon-events", json=body, headers=ADMIN)

    assert error_fields(result) == fields
    assert result.json["errors"][0]["message"]


async def test_claims_take_the_user_from_the_token_only(api: testing.ASGIConductor) -> None:
    event_id = (await open_event(api)).json["id"]

    assert_problem(await api.simulate_post(f"/coupon-events/{event_id}/claims"), 401)
    assert_problem(await api.simulate_post(f"/coupon-events/{event_id}/claims", headers=ADMIN), 401)


@pytest.mark.parametrize("strategy", ["atomic", "lock", "naive"])
async def test_a_retried_claim_learns_the_coupon_of_the_first(
    api: testing.ASGIConductor, strategy: str
) -> None:
    """A client whose 201 was lost claims again: the 409 carries the same coupon."""
    event_id = (await open_event(api, quantity=5, strategy=strategy)).json["id"]
    users = [await login(api, user) for user in ["u1", "u2", "u3"]]
    claims = f"/coupon-events/{event_id}/claims"
    firsts = [await api.simulate_post(claims, headers=user) for user in users]

    retries = [await api.simulate_post(claims, headers=user) for user in users]

    for first, retry in zip(firsts, retries, strict=True):
        assert first.status_code == 201
        assert_problem(retry, 409, coupon_id=first.json["coupon_id"])
    assert [first.json["coupon_id"] for first in firsts] == [1, 2, 3]


async def archived_coupons(
    api: testing.ASGIConductor, headers: dict[str, str], count: int
) -> list[dict[str, Any]]:
    """`GET /me/coupons` once the ledger worker has archived `count` of the caller's coupons
    (milliseconds after the claims; the test fails after 10 s)."""
    async with asyncio.timeout(10):
        while True:
            mine = await api.simulate_get("/me/coupons", headers=headers)
            assert mine.status_code == 200, mine.text
            if len(mine.json["items"]) >= count:
                items: list[dict[str, Any]] = mine.json["items"]
                return items
            await asyncio.sleep(0.01)  # NOTE: polls a documented asynchronous step


async def test_my_coupons_are_listed_newest_first(
    api: testing.ASGIConductor, advance: Advance
) -> None:
    alice, bob = await login(api, "alice"), await login(api, "bob")
    events = [(await open_event(api, quantity=3)).json["id"] for _ in range(3)]
    for event_id in events:
        await api.simulate_post(f"/coupon-events/{event_id}/claims", headers=bob)
        await api.simulate_post(f"/coupon-events/{event_id}/claims", headers=alice)
        await advance(1)

    mine = await archived_coupons(api, alice, 3)

    assert [(item["event_id"], item["coupon_id"]) for item in mine] == [
        (events[2], 2),
        (events[1], 2),
        (events[0], 2),
    ]
    assert all(item["claimed_at"].endswith("Z") for item in mine)
    assert mine[0]["claimed_at"] > mine[1]["claimed_at"] > mine[2]["claimed_at"]
    empty = await api.simulate_get("/me/coupons", headers=await login(api, "carol"))
    assert empty.json == {"items": []}
    assert_problem(await api.simulate_get("/me/coupons"), 401)
