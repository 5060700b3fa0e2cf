"""`/usage` as API.md states it: acknowledged ingestion and what a source sent."""

import pytest
from falcon import testing

from tests.http.conftest import ADMIN, INGEST, Advance, assert_problem, error_fields, login


async def test_records_are_acknowledged_and_counted(api: testing.ASGIConductor) -> None:
    for seq in [0, 1, 2, 2]:
        accepted = await api.simulate_post(
            "/usage",
            json={"source": "meter-1", "seq": seq, "payload": {"kwh": 1.5}},
            headers=INGEST,
        )
        assert (accepted.status_code, accepted.json) == (202, {"source": "meter-1", "seq": seq})
    await api.simulate_post("/usage", json={"source": "meter-2", "seq": 0}, headers=INGEST)

    stats = await api.simulate_get("/usage/meter-1")

    assert stats.json == {"source": "meter-1", "count": 4, "distinct_seq": 3}


async def test_an_unknown_source_has_nothing(api: testing.ASGIConductor) -> None:
    result = await api.simulate_get("/usage/never")

    assert result.json == {"source": "never", "count": 0, "distinct_seq": 0}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"source": "s", "seq": -1}, ["seq"]),
        ({"source": "s", "seq": 1.5}, ["seq"]),
        ({"source": "s", "seq": True}, ["seq"]),
        ({"source": "s", "seq": "1"}, ["seq"]),
        ({"source": "s"}, ["seq"]),
        ({"source": "s s", "seq": 1}, ["source"]),
        ({"source": "s", "seq": 1, "payload": "x"}, ["payload"]),
    ],
)
async def test_a_bad_record_is_422_and_not_counted(
    api: testing.ASGIConductor, body: dict[str, object], fields: list[str]
) -> None:
    assert error_fields(await api.simulate_post("/usage", json=body, headers=INGEST)) == fields
    assert (await api.simulate_get("/usage/s")).json["count"] == 0


async def test_a_bad_source_in_the_path_is_422(api: testing.ASGIConductor) -> None:
    assert error_fields(await api.simulate_get("/usage/bad.source")) == ["source"]


async def test_ingesting_needs_the_ingest_token_or_the_admin_token(
    api: testing.ASGIConductor,
) -> None:
    user = await login(api, "meter-reader")
    record = {"source": "s", "seq": 1}
    refused = [
        await api.simulate_post("/usage", json=record, headers=headers)
        for headers in (
            {},
            {"Authorization": "Bearer not-the-ingest-token"},
            {"Authorization": "Basic czpz"},
            user,
        )
    ]

    for answer in refused:
        assert_problem(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"
    assert (await api.simulate_get("/usage/s")).json["count"] == 0
    for headers in (INGEST, ADMIN):
        assert (await api.simulate_post("/usage", json=record, headers=headers)).status_code == 202
    assert (await api.simulate_get("/usage/s")).json["count"] == 2


async def test_a_source_is_forgotten_its_retention_after_its_last_record(
    api: testing.ASGIConductor, advance: Advance
) -> None:
    await api.simulate_post("/usage", json={"source": "s", "seq": 1}, headers=INGEST)
    await advance(604_800 - 1)
    kept = (await api.simulate_get("/usage/s")).json["count"]
    await advance(2)

    assert kept == 1
    assert (await api.simulate_get("/usage/s")).json == {
        "source": "s",
        "count": 0,
        "distinct_seq": 0,
    }
