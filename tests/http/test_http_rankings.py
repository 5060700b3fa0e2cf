"""`/rankings` as API.md states it."""

import pytest
from falcon import testing

from tests.http.conftest import ADMIN, assert_problem, error_fields, login


async def put(api: testing.ASGIConductor, member: str, score: object) -> testing.Result:
    return await api.simulate_put(
        f"/rankings/weekly/members/{member}", json={"score": score}, headers=ADMIN
    )


async def test_scores_and_competition_ranks(api: testing.ASGIConductor) -> None:
    for member, score in [("ann", 50), ("bob", 40), ("cid", 40), ("dan", 10)]:
        assert (await put(api, member, score)).status_code == 200

    raised = await api.simulate_post(
        "/rankings/weekly/scores", json={"member": "dan", "delta": 30.5}, headers=ADMIN
    )
    board = await api.simulate_get("/rankings/weekly")

    assert raised.json == {"member": "dan", "score": 40.5, "rank": 2}
    assert board.json == {
        "board": "weekly",
        "total": 4,
        "entries": [
            {"rank": 1, "member": "ann", "score": 50.0},
            {"rank": 2, "member": "dan", "score": 40.5},
            {"rank": 3, "member": "cid", "score": 40.0},
            {"rank": 3, "member": "bob", "score": 40.0},
        ],
    }
    standing = await api.simulate_get("/rankings/weekly/members/bob")
    assert standing.json == {"member": "bob", "score": 40.0, "rank": 3}


async def test_the_board_pages_default_to_10(api: testing.ASGIConductor) -> None:
    for n in range(12):
        await put(api, f"m{n:02d}", n)

    first = await api.simulate_get("/rankings/weekly")
    last = await api.simulate_get("/rankings/weekly", params={"limit": "5", "offset": "10"})

    assert len(first.json["entries"]) == 10
    assert [(e["rank"], e["member"]) for e in last.json["entries"]] == [(11, "m01"), (12, "m00")]


async def test_an_unranked_member_is_404(api: testing.ASGIConductor) -> None:
    assert_problem(await api.simulate_get("/rankings/weekly/members/ghost"), 404)


async def test_an_empty_board_is_an_empty_page(api: testing.ASGIConductor) -> None:
    result = await api.simulate_get("/rankings/nobody-yet")

    assert result.json == {"board": "nobody-yet", "total": 0, "entries": []}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"member": "ann", "delta": "5"}, ["delta"]),
        ({"member": "ann", "delta": True}, ["delta"]),
        ({"member": "an n", "delta": 1}, ["member"]),
        ({"delta": 1}, ["member"]),
        ({"member": "ann", "delta": 1, "bonus": 2}, ["bonus"]),
    ],
)
async def test_a_bad_increment_is_422(
    api: testing.ASGIConductor, body: dict[str, object], fields: list[str]
) -> None:
    result = await api.simulate_post("/rankings/weekly/scores", json=body, headers=ADMIN)

    assert error_fields(result) == fields
    assert (await api.simulate_get("/rankings/weekly")).json["total"] == 0


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/rankings/bad.board", "board"),
        ("GET", "/rankings/weekly/members/bad member", "member"),
        ("PUT", "/rankings/bad.board/members/ann", "board"),
        ("POST", "/rankings/" + "b" * 65 + "/scores", "board"),
    ],
)
async def test_bad_path_identifiers_are_422(
    api: testing.ASGIConductor, method: str, path: str, field: str
) -> None:
    result = await api.simulate_request(
        method, path, json={"member": "ann", "delta": 1, "score": 1}, headers=ADMIN
    )

    assert field in error_fields(result)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "123456789" * 40])
async def test_a_number_beyond_a_double_is_422_not_400(
    api: testing.ASGIConductor, number: str
) -> None:
    result = await api.simulate_post(
        "/rankings/weekly/scores",
        body=f'{{"member": "ann", "delta": {number}}}',
        headers={**ADMIN, "Content-Type": "application/json"},
    )

    assert error_fields(result) == ["delta"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_json_constants_are_400(api: testing.ASGIConductor, constant: str) -> None:
    result = await api.simulate_post(
        "/rankings/weekly/scores",
        body=f'{{"member": "ann", "delta": {constant}}}',
        headers={**ADMIN, "Content-Type": "application/json"},
    )

    assert_problem(result, 400)


async def test_changing_scores_needs_the_admin_token(api: testing.ASGIConductor) -> None:
    user = await login(api)

    assert_problem(
        await api.simulate_put("/rankings/weekly/members/ann", json={"score": 1}, headers=user),
        403,
    )
    assert_problem(
        await api.simulate_post("/rankings/weekly/scores", json={"member": "a", "delta": 1}), 401
    )


async def test_a_delta_that_would_overflow_the_score_is_422(api: testing.ASGIConductor) -> None:
    await put(api, "ann", 1.5e308)

    result = await api.simulate_post(
        "/rankings/weekly/scores", json={"member": "ann", "delta": 1e308}, headers=ADMIN
    )

    assert error_fields(result) == ["delta"]
    standing = await api.simulate_get("/rankings/weekly/members/ann")
    assert standing.json["score"] == 1.5e308


@pytest.mark.parametrize(
    "number",
    [
        "-1.79769313486231575e308",  # the Schemathesis case: rounds to the minimum
        "-1.7976931348623158e308",
        "1.79769313486231570000000001e308",
        "-179769313486231570814527423731704356798070567525844996598917476803157260780028538"
        "760589558632766878171540458953514382464234321326889464182768467546703537516986049910"
        "576551282076245490090389328944075868508455133942304583236903222948165808559332123348"
        "274797826204144723168738177180919299881250404026184124858368",  # the double, exactly
    ],
)
async def test_a_number_beyond_the_stated_bounds_is_422_even_if_it_rounds_into_range(
    api: testing.ASGIConductor, number: str
) -> None:
    result = await put_score(api, number)

    assert error_fields(result) == ["score"]
    assert (await api.simulate_get("/rankings/weekly/members/ann")).status_code == 404


@pytest.mark.parametrize("number", ["-1.7976931348623157e308", "1.7976931348623157E+308"])
async def test_the_stated_bounds_themselves_are_accepted(
    api: testing.ASGIConductor, number: str
) -> None:
    result = await put_score(api, number)

    assert result.status_code == 200, result.text


async def put_score(api: testing.ASGIConductor, number: str) -> testing.Result:
    """Set ann's weekly score to the JSON number `number`, written as given."""
    return await api.simulate_put(
        "/rankings/weekly/members/ann",
        body=('{"score": ' + number + "}").encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
