"""`/otp`, `/otp/verify`, `/sessions/current`, `/me/searches` as API.md states them."""

import asyncio

import pytest
from falcon import testing

from composition.settings import Settings
from tests.http.conftest import Advance, Rebuild, assert_problem, error_fields, login
from tests.support.otp import another_code


async def issue(api: testing.ASGIConductor, user_id: str = "alice") -> str:
    result = await api.simulate_post("/otp", json={"user_id": user_id})
    assert result.status_code == 201
    code: str = result.json["code"]
    return code


async def verify(api: testing.ASGIConductor, code: str, user_id: str = "alice") -> testing.Result:
    return await api.simulate_post("/otp/verify", json={"user_id": user_id, "code": code})


async def test_issuing_answers_201_with_the_ttl(api: testing.ASGIConductor) -> None:
    result = await api.simulate_post("/otp", json={"user_id": "alice"})

    assert result.status_code == 201
    assert result.json["user_id"] == "alice"
    assert result.json["expires_in"] == 180
    assert result.json["code"].isdigit()
    assert len(result.json["code"]) == 6


async def test_the_code_is_not_in_the_response_unless_exposure_is_on(rebuild: Rebuild) -> None:
    async with testing.ASGIConductor(rebuild(otp_expose_code=False).app()) as api:
        result = await api.simulate_post("/otp", json={"user_id": "alice"})

    assert result.json == {"user_id": "alice", "expires_in": 180}


async def test_the_fourth_issue_in_the_window_is_429_with_retry_after(
    api: testing.ASGIConductor, advance: Advance
) -> None:
    for _ in range(3):
        await issue(api)
    await advance(60)

    result = await api.simulate_post("/otp", json={"user_id": "alice"})

    assert_problem(result, 429)
    assert result.headers["retry-after"] == "540"


async def issue_from(
    api: testing.ASGIConductor,
    user_id: str,
    *,
    remote_addr: str,
    headers: dict[str, str] | None = None,
) -> testing.Result:
    return await api.simulate_post(
        "/otp", json={"user_id": user_id}, remote_addr=remote_addr, headers=headers
    )


async def test_one_address_gets_30_codes_per_window_then_429_whatever_the_users(
    api: testing.ASGIConductor, advance: Advance
) -> None:
    for n in range(30):
        assert (await issue_from(api, f"u{n}", remote_addr="203.0.113.7")).status_code == 201
    await advance(100)

    refused = await issue_from(api, "u30", remote_addr="203.0.113.7")
    elsewhere = await issue_from(api, "u30", remote_addr="203.0.113.8")

    assert_problem(refused, 429)
    assert refused.headers["retry-after"] == "500"
    assert "from this address" in refused.json["detail"]
    assert elsewhere.status_code == 201


async def test_ipv6_clients_count_by_their_64(api: testing.ASGIConductor) -> None:
    for n in range(30):
        address = f"2001:db8:1:2::{n + 1:x}"
        assert (await issue_from(api, f"u{n}", remote_addr=address)).status_code == 201

    same_64 = await issue_from(api, "u30", remote_addr="2001:db8:1:2:ffff::1")
    other_64 = await issue_from(api, "u30", remote_addr="2001:db8:1:3::1")

    assert_problem(same_64, 429)
    assert other_64.status_code == 201


@pytest.mark.parametrize("trusted", [False, True])
async def test_x_forwarded_for_names_the_client_only_when_trusted(
    rebuild: Rebuild, trusted: bool
) -> None:
    async with testing.ASGIConductor(rebuild(trust_forwarded_for=trusted).app()) as api:
        statuses = []
        for n in range(31):
            # the client forges the first entry; the proxy (the peer) appends the real address
            forwarded = f"198.51.100.{n}, 192.0.2.{n}"
            result = await issue_from(
                api, f"u{n}", headers={"X-Forwarded-For": forwarded}, remote_addr="10.0.0.1"
            )
            statuses.append(result.status_code)

    # trusted: 31 clients behind one proxy, each under its limit; untrusted: one peer, refused
    assert statuses == ([201] * 31 if trusted else [201] * 30 + [429])


async def test_a_client_limit_of_zero_lets_one_address_issue_for_everyone(
    rebuild: Rebuild, profile_settings: Settings
) -> None:
    async with testing.ASGIConductor(rebuild(otp_client_issue_limit=0).app()) as api:
        results = [await issue_from(api, f"u{n}", remote_addr="10.0.0.1") for n in range(40)]

    assert {result.status_code for result in results} == {201}


async def test_verifying_the_right_code_gives_a_bearer_session(api: testing.ASGIConductor) -> None:
    result = await verify(api, await issue(api))

    assert result.status_code == 200
    assert set(result.json) == {"verified", "token", "token_type", "expires_in"}
    assert result.json["verified"] is True
    assert (result.json["token_type"], result.json["expires_in"]) == ("Bearer", 3600)


async def test_a_wrong_code_is_401_with_attempts_left_and_keeps_the_code(
    api: testing.ASGIConductor,
) -> None:
    code = await issue(api)

    refused = await verify(api, another_code(code))

    assert_problem(refused, 401, attempts_left=4)
    assert (await verify(api, code)).status_code == 200


async def test_a_consumed_code_is_404(api: testing.ASGIConductor) -> None:
    code = await issue(api)
    await verify(api, code)

    assert_problem(await verify(api, code), 404)


async def test_the_fifth_wrong_code_burns_it(api: testing.ASGIConductor) -> None:
    code = await issue(api)
    for left in (4, 3, 2, 1, 0):
        assert_problem(await verify(api, another_code(code)), 401, attempts_left=left)

    assert_problem(await verify(api, code), 404)


async def test_an_expired_or_never_issued_code_is_404(
    api: testing.ASGIConductor, advance: Advance
) -> None:
    assert_problem(await verify(api, "123456", user_id="nobody"), 404)
    code = await issue(api)
    await advance(180)
    assert_problem(await verify(api, code), 404)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"user_id": "alice", "code": "12345"}, ["code"]),
        ({"user_id": "alice", "code": 123456}, ["code"]),
        ({"user_id": "alice", "code": "12345x"}, ["code"]),
        ({"user_id": "al ice", "code": "123456"}, ["user_id"]),
        ({"code": "123456"}, ["user_id"]),
    ],
)
async def test_a_malformed_verification_is_422_and_costs_no_attempt(
    api: testing.ASGIConductor, body: dict[str, object], fields: list[str]
) -> None:
    code = await issue(api)

    assert error_fields(await api.simulate_post("/otp/verify", json=body)) == fields

    assert_problem(await verify(api, another_code(code)), 401, attempts_left=4)


async def test_of_concurrent_verifications_exactly_one_is_200(api: testing.ASGIConductor) -> None:
    code = await issue(api)

    results = await asyncio.gather(*(verify(api, code) for _ in range(50)))

    statuses = sorted(result.status_code for result in results)
    assert statuses == [200] + [404] * 49


@pytest.mark.parametrize("user_id", ["", "x" * 65, "semi;colon", 7, None])
async def test_a_bad_user_id_is_422(api: testing.ASGIConductor, user_id: object) -> None:
    assert error_fields(await api.simulate_post("/otp", json={"user_id": user_id})) == ["user_id"]


async def test_ending_the_session_revokes_the_token_at_once(api: testing.ASGIConductor) -> None:
    headers = await login(api)

    ended = await api.simulate_delete("/sessions/current", headers=headers)

    assert ended.status_code == 204
    assert ended.text == ""
    assert_problem(await api.simulate_get("/me/searches", headers=headers), 401)
    assert_problem(await api.simulate_delete("/sessions/current", headers=headers), 401)


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer ", "Basic YWxpY2U6cHc=", "Bearer not-a-session"]
)
async def test_user_endpoints_need_a_session_token(
    api: testing.ASGIConductor, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    for result in [
        await api.simulate_get("/me/searches", headers=headers),
        await api.simulate_get("/me/coupons", headers=headers),
        await api.simulate_post("/me/searches", json={"term": "x"}, headers=headers),
        await api.simulate_delete("/sessions/current", headers=headers),
    ]:
        assert_problem(result, 401)
        assert result.headers["www-authenticate"] == "Bearer"


async def test_the_history_keeps_the_latest_5_distinct_terms(api: testing.ASGIConductor) -> None:
    headers = await login(api)
    for term in ["redis", " cache ", "ttl", "lua", "redis", "pubsub", "stream"]:
        recorded = await api.simulate_post("/me/searches", json={"term": term}, headers=headers)
        assert recorded.status_code == 201

    assert recorded.json == {"terms": ["stream", "pubsub", "redis", "lua", "ttl"]}
    assert (await api.simulate_get("/me/searches", headers=headers)).json == recorded.json


async def test_the_history_belongs_to_the_token_owner(api: testing.ASGIConductor) -> None:
    alice, bob = await login(api, "alice"), await login(api, "bob")
    await api.simulate_post("/me/searches", json={"term": "alice's"}, headers=alice)

    assert (await api.simulate_get("/me/searches", headers=bob)).json == {"terms": []}


@pytest.mark.parametrize("term", ["", "   ", "t" * 101, 5])
async def test_a_bad_term_is_422(api: testing.ASGIConductor, term: object) -> None:
    headers = await login(api)

    result = await api.simulate_post("/me/searches", json={"term": term}, headers=headers)

    assert error_fields(result) == ["term"]
