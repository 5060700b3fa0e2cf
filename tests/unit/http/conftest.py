"""An API client on the app the composition root builds, with helpers to log in and check
problem documents."""

from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import pytest
from falcon import testing

from composition.root import Assembly
from tests.unit.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def api(assembly: Assembly) -> AsyncIterator[testing.ASGIConductor]:
    async with testing.ASGIConductor(assembly.app()) as conductor:
        yield conductor


async def login(api: testing.ASGIConductor, user_id: str = "alice") -> dict[str, str]:
    """Headers carrying a fresh session token of `user_id`."""
    issued = await api.simulate_post("/otp", json={"user_id": user_id})
    assert issued.status_code == 201, issued.text
    verified = await api.simulate_post(
        "/otp/verify", json={"user_id": user_id, "code": issued.json["code"]}
    )
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json['token']}"}


def assert_problem(result: testing.Result, status: int, **members: Any) -> dict[str, Any]:
    """`result` is an RFC 9457 problem document with this status and these extra members."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = result.json
    assert document["type"] == "about:blank"
    assert document["title"] == HTTPStatus(status).phrase
    assert document["status"] == status
    assert isinstance(document["detail"], str)
    assert document["detail"]
    for name, value in members.items():
        assert document[name] == value, (name, document)
    return document


def error_fields(result: testing.Result) -> list[str]:
    document = assert_problem(result, 422)
    return [error["field"] for error in document["errors"]]
