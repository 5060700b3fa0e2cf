"""The conventions of API.md that hold on every route: bodies, errors, auth, deadline, 503."""

import asyncio
from typing import Any

import pytest
from dependency_injector import providers
from falcon import testing

from adapters.http.edge import ASGIApp
from adapters.inmemory.usage_log import InMemoryUsageLog
from composition.root import Assembly
from domain.model.usage import UsageRecord, UsageStats
from ports.errors import BackendTimeout, BackendUnavailable
from tests.http.conftest import ADMIN, INGEST, Rebuild, assert_problem, login
from tests.support.asgi import http_scope
from tests.support.clock import ManualClock

ADMIN_ROUTES = [
    ("POST", "/notices"),
    ("POST", "/rankings/b/scores"),
    ("PUT", "/rankings/b/members/m"),
    ("POST", "/coupon-events"),
    ("GET", "/coupon-events/1/claims"),
    ("POST", "/events/alerts"),
    ("POST", "/events/stream"),
]
USER_ROUTES = [
    ("DELETE", "/sessions/current"),
    ("GET", "/me/searches"),
    ("POST", "/me/searches"),
    ("POST", "/coupon-events/1/claims"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_every_admin_route_is_401_without_and_403_with_a_user_token(
    api: testing.ASGIConductor, method: str, path: str
) -> None:
    anonymous = await api.simulate_request(method, path, json={})
    as_user = await api.simulate_request(method, path, json={}, headers=await login(api))

    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert_problem(as_user, 403)


@pytest.mark.parametrize(("method", "path"), USER_ROUTES)
async def test_every_user_route_is_401_without_a_session(
    api: testing.ASGIConductor, method: str, path: str
) -> None:
    for headers in ({}, ADMIN):
        result = await api.simulate_request(method, path, json={"term": "t"}, headers=headers)
        assert_problem(result, 401)
        assert result.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("title=t", "application/x-www-form-urlencoded"), ("{}", "text/plain"), ("{}", None)],
)
async def test_a_body_that_is_not_json_is_415(
    api: testing.ASGIConductor, body: str, content_type: str | None
) -> None:
    headers = {**ADMIN, **({"Content-Type": content_type} if content_type else {})}

    result = await api.simulate_post("/notices", body=body, headers=headers)

    assert_problem(result, 415)
    assert (await api.simulate_get("/notices")).json["total"] == 0


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(api: testing.ASGIConductor) -> None:
    for content_type in ["application/json; charset=utf-8", "application/merge-patch+json"]:
        result = await api.simulate_post(
            "/usage",
            body='{"source":"s","seq":1}',
            headers={"Content-Type": content_type, **INGEST},
        )
        assert result.status_code == 202, content_type


async def test_a_non_json_body_on_a_route_without_body_is_415(api: testing.ASGIConductor) -> None:
    result = await api.simulate_post(
        "/coupon-events/1/claims", body="x", headers={"Content-Type": "text/plain"}
    )

    assert_problem(result, 415)


async def test_a_body_over_64_kib_is_413(api: testing.ASGIConductor) -> None:
    body = '{"source":"s","seq":1,"payload":{"pad":"' + "x" * 65_536 + '"}}'

    result = await api.simulate_post(
        "/usage", body=body, headers={"Content-Type": "application/json", **INGEST}
    )

    assert_problem(result, 413)
    assert (await api.simulate_get("/usage/s")).json["count"] == 0


async def test_a_body_of_exactly_64_kib_is_read(api: testing.ASGIConductor) -> None:
    head, tail = '{"source":"s","seq":1,"payload":{"pad":"', '"}}'
    body = head + "x" * (65_536 - len(head) - len(tail)) + tail

    result = await api.simulate_post(
        "/usage", body=body, headers={"Content-Type": "application/json", **INGEST}
    )

    assert result.status_code == 202


async def raw_request(
    app: ASGIApp, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> tuple[int, bytes, int]:
    """Drive the ASGI app directly: a chunked body, no Content-Length. Returns the status, the
    body, and how many chunks the app asked for."""
    pending = [*chunks]
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = http_scope(method, path, headers=headers)
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, asked


async def test_a_chunked_body_is_read_only_up_to_the_limit(assembly: Assembly) -> None:
    chunks = [b'{"source":"s","seq":1,"payload":{"pad":"'] + [b"x" * 16_384] * 64 + [b'"}}']
    headers = [
        (b"content-type", b"application/json"),
        (b"transfer-encoding", b"chunked"),
        (b"authorization", INGEST["Authorization"].encode()),
    ]

    status, body, asked = await raw_request(assembly.app(), "POST", "/usage", headers, chunks)

    assert status == 413, body
    assert asked < len(chunks) // 2, "the app read far past the limit"


@pytest.mark.parametrize("body", ["", "   ", "{", '{"a": 1,}', "[1, 2", "\xff"])
async def test_a_missing_or_malformed_body_is_400(api: testing.ASGIConductor, body: str) -> None:
    result = await api.simulate_post(
        "/usage",
        body=body.encode("latin-1"),
        headers={"Content-Type": "application/json", **INGEST},
    )

    assert_problem(result, 400)


async def test_an_unknown_path_is_404(api: testing.ASGIConductor) -> None:
    document = assert_problem(await api.simulate_get("/no/such/thing"), 404)

    assert document["detail"] == "nothing at /no/such/thing"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/notices", "GET, POST, OPTIONS"),
        ("PUT", "/otp", "POST, OPTIONS"),
        ("GET", "/events/alerts", "POST, OPTIONS"),
        ("POST", "/rankings/b/members/m", "GET, PUT, OPTIONS"),
        ("HEAD", "/healthz", "GET, OPTIONS"),
    ],
)
async def test_a_wrong_method_is_405_with_allow(
    api: testing.ASGIConductor, method: str, path: str, allow: str
) -> None:
    result = await api.simulate_request(method, path)

    assert result.status_code == 405
    assert result.headers["allow"] == allow
    if method != "HEAD":
        assert_problem(result, 405)


class UsageLogDouble(InMemoryUsageLog):
    def __init__(self, failure: BaseException | None = None, hang: bool = False) -> None:
        super().__init__(ManualClock())
        self._failure = failure
        self._hang = hang
        self.hanging = asyncio.Event()

    async def append(
        self, record: UsageRecord, *, ingestion_id: str, retention_seconds: int
    ) -> None:
        if self._hang:
            self.hanging.set()
            await asyncio.Event().wait()
        if self._failure is not None:
            raise self._failure
        await super().append(record, ingestion_id=ingestion_id, retention_seconds=retention_seconds)

    async def stats(self, source: str) -> UsageStats:
        return await super().stats(source)


@pytest.mark.parametrize("failure", [BackendUnavailable("refused"), BackendTimeout("slow")])
async def test_a_backend_failure_is_503_with_retry_after(
    assembly: Assembly, failure: BackendUnavailable
) -> None:
    assembly.adapters.usage.override(providers.Object(UsageLogDouble(failure)))
    async with testing.ASGIConductor(assembly.app()) as api:
        result = await api.simulate_post("/usage", json={"source": "s", "seq": 1}, headers=INGEST)

    assert_problem(result, 503)
    assert result.headers["retry-after"] == "1"
    assert "refused" not in result.text, "backend internals stay in the logs"


async def test_a_request_past_its_deadline_is_503_not_a_hang(rebuild: Rebuild) -> None:
    assembly = rebuild(request_deadline_seconds=0.1)
    assembly.adapters.usage.override(providers.Object(UsageLogDouble(hang=True)))
    app = assembly.app()
    async with testing.ASGIConductor(app) as api, asyncio.timeout(5):
        result = await api.simulate_post("/usage", json={"source": "s", "seq": 1}, headers=INGEST)
        metrics = (await api.simulate_get("/metrics")).text

    assert_problem(result, 503)
    assert result.headers["retry-after"] == "1"
    assert 'http_requests_total{method="POST",route="/usage",status="503"} 1.0' in metrics


class Exploding(InMemoryUsageLog):
    async def stats(self, source: str) -> UsageStats:
        raise RuntimeError("a bug: secret=hunter2 at line 42")


async def test_an_unexpected_error_is_500_without_internals(assembly: Assembly) -> None:
    assembly.adapters.usage.override(providers.Object(Exploding(ManualClock())))
    async with testing.ASGIConductor(assembly.app()) as api:
        result = await api.simulate_get("/usage/s")

    assert_problem(result, 500)
    assert "hunter2" not in result.text
    assert "Traceback" not in result.text


async def test_a_request_cancelled_by_someone_else_is_not_answered_503(rebuild: Rebuild) -> None:
    """Only the deadline's own cancellation becomes a 503; a server cancelling a request
    (shutting down) still ends it."""
    assembly = rebuild(request_deadline_seconds=30)
    hung = UsageLogDouble(hang=True)
    assembly.adapters.usage.override(providers.Object(hung))
    app = assembly.app()
    sent: list[dict[str, Any]] = []
    body = b'{"source":"s","seq":1}'
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"22"),
        (b"authorization", INGEST["Authorization"].encode()),
    ]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def call() -> None:
        await app(http_scope("POST", "/usage", headers=headers), receive, send)

    request = asyncio.create_task(call())
    await hung.hanging.wait()
    request.cancel()

    with pytest.raises(asyncio.CancelledError):
        await request
    assert sent == []
