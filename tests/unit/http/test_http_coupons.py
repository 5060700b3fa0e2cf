"""`/coupon-events` as API.md states it, herd included."""

import asyncio

import pytest
from falcon import testing

from tests.unit.http.conftest import ADMIN, assert_problem, error_fields, login


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
    assert_problem(again, 409)
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
