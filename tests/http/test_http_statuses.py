"""The document is exact about statuses: for every operation, each status the OpenAPI document
lists is one a request can get from it (a request is made for each, and gets it).

Schemathesis checks the other way round (no answer outside the document) in `test_fuzz.py`.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from dependency_injector import providers
from falcon import testing

from adapters.http.edge import ASGIApp
from adapters.http.messages.fields import Id
from adapters.http.routes import ROUTES
from adapters.http.routing import Auth, Operation, Route, statuses
from composition.root import Assembly
from ports.errors import BackendUnavailable
from tests.http.conftest import ADMIN, INGEST, Rebuild, login

JSON = {"Content-Type": "application/json"}
PORTS = (
    "notices",
    "cache",
    "tokens",
    "throttle",
    "search_history",
    "ranking",
    "coupons",
    "lock",
    "bus",
    "usage",
)


class Broken:
    """Every port at once, every call failing as an unreachable backend does."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name in ("subscribe", "hold"):
            return self._context
        return self._call

    async def _call(self, *args: object, **kwargs: object) -> None:
        raise BackendUnavailable("down")

    @asynccontextmanager
    async def _context(self, *args: object, **kwargs: object) -> AsyncIterator[None]:
        await self._call()
        yield


@dataclass
class Call:
    """One request: a method, a concrete path, and what goes with it."""

    method: str
    path: str
    body: object = None
    headers: dict[str, str] | None = None
    query: str = ""


Prepare = Callable[[testing.ASGIConductor], Awaitable[Call]]


async def post_notice(api: testing.ASGIConductor) -> int:
    posted = await api.simulate_post("/notices", json={"title": "t", "body": "b"}, headers=ADMIN)
    number: int = posted.json["id"]
    return number


async def open_event(api: testing.ASGIConductor, quantity: int = 5) -> int:
    body = {"name": "e", "quantity": quantity}
    opened = await api.simulate_post("/coupon-events", json=body, headers=ADMIN)
    number: int = opened.json["id"]
    return number


async def issued_code(api: testing.ASGIConductor, user: str = "carol") -> str:
    issued = await api.simulate_post("/otp", json={"user_id": user}, remote_addr="10.9.9.9")
    code: str = issued.json["code"]
    return code


async def valid_call(api: testing.ASGIConductor, operation: str, user: dict[str, str]) -> Call:
    """A request the operation answers with success (`user` is a user's session)."""
    match operation:
        case "Notices.list_page":
            return Call("GET", "/notices", query="limit=5")
        case "Notices.post":
            return Call("POST", "/notices", {"title": "t", "body": "b"}, ADMIN)
        case "Notices.get":
            return Call("GET", f"/notices/{await post_notice(api)}")
        case "Otp.issue":
            return Call("POST", "/otp", {"user_id": "erin"})
        case "Otp.verify":
            return Call("POST", "/otp/verify", {"user_id": "carol", "code": await issued_code(api)})
        case "Sessions.end":
            return Call("DELETE", "/sessions/current", headers=user)
        case "Searches.recent":
            return Call("GET", "/me/searches", headers=user)
        case "Searches.record":
            return Call("POST", "/me/searches", {"term": "t"}, user)
        case "Rankings.board":
            return Call("GET", "/rankings/weekly")
        case "Rankings.add":
            return Call("POST", "/rankings/weekly/scores", {"member": "m", "delta": 1}, ADMIN)
        case "Rankings.standing":
            await api.simulate_put("/rankings/weekly/members/m", json={"score": 1}, headers=ADMIN)
            return Call("GET", "/rankings/weekly/members/m")
        case "Rankings.put":
            return Call("PUT", "/rankings/weekly/members/m", {"score": 2}, ADMIN)
        case "Coupons.create":
            return Call("POST", "/coupon-events", {"name": "e", "quantity": 3}, ADMIN)
        case "Coupons.show":
            return Call("GET", f"/coupon-events/{await open_event(api)}")
        case "Coupons.claim":
            return Call("POST", f"/coupon-events/{await open_event(api)}/claims", headers=user)
        case "Coupons.claims":
            return Call("GET", f"/coupon-events/{await open_event(api)}/claims", headers=ADMIN)
        case "Coupons.mine":
            return Call("GET", "/me/coupons", headers=user)
        case "Events.stream":
            return Call("GET", "/events/stream", query="channel=c")
        case "Events.publish_on_stream":
            return Call("POST", "/events/stream", {"type": "t", "payload": {}}, ADMIN)
        case "Events.publish":
            return Call("POST", "/events/c", {"type": "t", "payload": {}}, ADMIN)
        case "Usage.append":
            return Call("POST", "/usage", {"source": "s", "seq": 1}, INGEST)
        case "Usage.stats":
            return Call("GET", "/usage/s")
        case "Operations.health":
            return Call("GET", "/healthz")
        case "Operations.ready":
            return Call("GET", "/readyz")
        case "Operations.metrics":
            return Call("GET", "/metrics")
        case "Operations.openapi":
            return Call("GET", "/openapi.json")
    raise AssertionError(f"no valid request for {operation}")


async def refusal_call(
    api: testing.ASGIConductor, route: Route, operation: str, status: int, user: dict[str, str]
) -> Call:
    """A request the operation refuses with `status` for a domain reason."""
    valid = await valid_call(api, operation, user)
    match operation, status:
        case "Otp.verify", 401:
            code = await issued_code(api, "frank")
            wrong = f"{(int(code) + 1) % 1_000_000:06d}"
            return Call("POST", "/otp/verify", {"user_id": "frank", "code": wrong})
        case "Otp.verify", 404:
            return Call("POST", "/otp/verify", {"user_id": "nobody", "code": "123456"})
        case "Otp.issue", 429:
            for _ in range(3):
                await api.simulate_post("/otp", json={"user_id": "greg"}, remote_addr="10.8.8.8")
            return Call("POST", "/otp", {"user_id": "greg"})
        case "Rankings.standing", 404:
            return Call("GET", "/rankings/weekly/members/nobody")
        case "Coupons.claim", 409:
            await api.simulate_post(valid.path, headers=valid.headers)
            return valid
        case "Coupons.claim", 410:
            event = await open_event(api, quantity=1)
            await api.simulate_post(
                f"/coupon-events/{event}/claims", headers=await login(api, "ivy")
            )
            return Call("POST", f"/coupon-events/{event}/claims", headers=valid.headers)
        case _, 404:  # an id nobody has
            name = next(name for name, declared in route.params.items() if declared is Id)
            path = _with(valid.path, route.path, name, "999999")
            return Call(valid.method, path, valid.body, valid.headers)
    raise AssertionError(f"no request for {status} from {operation}")


def malformed(
    valid: Call, route: Route, operation: Operation, status: int, user: dict[str, str]
) -> Call:
    """A request that breaks what the declaration says, to get `status`."""
    match status:
        case 400:
            return Call(valid.method, valid.path, b"{", valid.headers)
        case 401:
            return Call(valid.method, valid.path, valid.body)
        case 403:
            return Call(valid.method, valid.path, valid.body, user)
        case 413:
            return Call(valid.method, valid.path, b" " * (64 * 1024 + 1), valid.headers)
        case 415:
            headers = {**(valid.headers or {}), "Content-Type": "text/plain"}
            return Call(valid.method, valid.path, b"{}", headers)
        case 431:
            headers = {**(valid.headers or {}), **{f"x-h{n}": "1" for n in range(101)}}
            return Call(valid.method, valid.path, valid.body, headers)
        case 422 if operation.body is not None:
            return Call(valid.method, valid.path, {"unknown": 1}, valid.headers)
        case 422 if operation.query is not None:
            return Call(valid.method, valid.path, valid.body, valid.headers, "limit=0&channel=")
        case 422:
            name = next(name for name, declared in route.params.items() if declared is not Id)
            path = _with(valid.path, route.path, name, "bad.value!")
            return Call(valid.method, path, valid.body, valid.headers)
    raise AssertionError(f"no malformed request for {status}")


def _with(path: str, template: str, name: str, value: str) -> str:
    """`path` with the segment of parameter `name` replaced by `value`."""
    segments = path.split("/")
    segments[template.split("/").index(f"{{{name}}}")] = value
    return "/".join(segments)


async def send(api: testing.ASGIConductor, call: Call) -> int:
    """The status `call` gets."""
    headers = dict(call.headers or {})
    kwargs: dict[str, Any] = {"headers": headers, "query_string": call.query}
    if isinstance(call.body, bytes):
        kwargs["body"] = call.body
        headers.setdefault("Content-Type", "application/json")
    elif call.body is not None:
        kwargs["json"] = call.body
    if call.path == "/events/stream" and call.method == "GET":
        async with api.simulate_get_stream(call.path, **kwargs) as streamed:
            await streamed.stream.read()
            status: int = streamed.status_code
            return status
    result: testing.Result = await api.simulate_request(call.method, call.path, **kwargs)
    answered: int = result.status_code
    return answered


OPERATIONS = [(route, operation) for route in ROUTES for operation in route.operations]


@pytest.mark.parametrize(
    ("route", "operation"),
    OPERATIONS,
    ids=[f"{operation.method} {route.path}" for route, operation in OPERATIONS],
)
async def test_every_documented_status_can_be_answered(
    api: testing.ASGIConductor, rebuild: Rebuild, route: Route, operation: Operation
) -> None:
    success, *errors = statuses(route, operation)
    name = operation.handler.__qualname__.replace("Resource.", ".")
    user = await login(api, "hank")
    answered: dict[int, int] = {}

    valid = await valid_call(api, name, user)
    answered[success] = await send(api, valid)
    for status in errors:
        if status == 503:
            async with testing.ASGIConductor(broken(rebuild)) as down:
                answered[status] = await send(down, valid)
        elif status in (*operation.refusals, 404):
            call = await refusal_call(api, route, name, status, user)
            answered[status] = await send(api, call)
        else:
            call = malformed(valid, route, operation, status, user)
            answered[status] = await send(api, call)

    assert answered == {status: status for status in answered}
    assert operation.auth is None or 401 in answered
    assert operation.auth is not Auth.ADMIN or 403 in answered


def broken(rebuild: Rebuild) -> ASGIApp:
    """The app with every backend unreachable (valid tokens were checked before: the admin
    token needs no backend; a user's session lookup then fails too)."""
    assembly: Assembly = rebuild()
    for port in PORTS:
        getattr(assembly.adapters, port).override(providers.Object(Broken()))
    assembly.adapters.probes.override(providers.Object({"backend": Broken()}))
    return assembly.app()
