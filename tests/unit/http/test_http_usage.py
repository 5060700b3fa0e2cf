"""`/usage` as API.md states it: acknowledged ingestion and what a source sent."""

import pytest
from falcon import testing

from tests.unit.http.conftest import error_fields


async def test_records_are_acknowledged_and_counted(api: testing.ASGIConductor) -> None:
    for seq in [0, 1, 2, 2]:
        accepted = await api.simulate_post(
            "/usage", json={"source": "meter-1", "seq": seq, "payload": {"kwh": 1.5}}
        )
        assert (accepted.status_code, accepted.json) == (202, {"source": "meter-1", "seq": seq})
    await api.simulate_post("/usage", json={"source": "meter-2", "seq": 0})

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
    assert error_fields(await api.simulate_post("/usage", json=body)) == fields
    assert (await api.simulate_get("/usage/s")).json["count"] == 0


async def test_a_bad_source_in_the_path_is_422(api: testing.ASGIConductor) -> None:
    assert error_fields(await api.simulate_get("/usage/bad.source")) == ["source"]
