"""`user_id` is case-insensitive (API v1.2): `Alice`, `ALICE` and `alice` are one user, stored,
limited and returned as the lower-case canonical form."""

from falcon import testing

from composition.settings import Settings
from tests.http.conftest import ADMIN, Rebuild, address_of, assert_problem, login

SPELLINGS = ("alice", "ALICE", "Alice", "aLiCe")


async def test_the_spellings_of_one_user_share_one_issue_limit(api: testing.ASGIConductor) -> None:
    answers = [
        await api.simulate_post("/otp", json={"user_id": name}, remote_addr=address_of(name))
        for name in SPELLINGS
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    assert {answer.json["user_id"] for answer in answers[:3]} == {"alice"}


async def test_a_code_issued_to_one_spelling_verifies_for_another(
    api: testing.ASGIConductor,
) -> None:
    issued = await api.simulate_post("/otp", json={"user_id": "Alice@Example.com"})

    verified = await api.simulate_post(
        "/otp/verify", json={"user_id": "alice@EXAMPLE.com", "code": issued.json["code"]}
    )

    assert issued.json["user_id"] == "alice@example.com"
    assert verified.status_code == 200, verified.text


async def test_the_spellings_of_one_user_share_one_search_history(
    api: testing.ASGIConductor,
) -> None:
    upper, lower = await login(api, "ALICE"), await login(api, "alice")

    await api.simulate_post("/me/searches", json={"term": "redis"}, headers=upper)
    await api.simulate_post("/me/searches", json={"term": "lua"}, headers=lower)

    assert (await api.simulate_get("/me/searches", headers=upper)).json == {
        "terms": ["lua", "redis"]
    }


async def test_the_spellings_of_one_user_hold_one_coupon_per_event(
    rebuild: Rebuild, settings: Settings
) -> None:
    # Four logins of one user: past the default limit of three codes per window.
    built = rebuild(otp_issue_limit=4)
    async with testing.ASGIConductor(built.app()) as api:
        await claim_with_each_spelling(api)


async def claim_with_each_spelling(api: testing.ASGIConductor) -> None:
    created = await api.simulate_post(
        "/coupon-events", json={"name": "launch", "quantity": 10}, headers=ADMIN
    )
    claims = f"/coupon-events/{created.json['id']}/claims"
    sessions = [await login(api, name) for name in ("bob", "BOB", "Bob", "bOb")]

    answers = [await api.simulate_post(claims, headers=session) for session in sessions]

    assert answers[0].status_code == 201
    assert answers[0].json["user_id"] == "bob"
    for answer in answers[1:]:
        assert_problem(answer, 409, coupon_id=answers[0].json["coupon_id"])
    listed = await api.simulate_get(claims, headers=ADMIN)
    assert listed.json["items"] == [{"user_id": "bob", "coupon_id": 1}]
