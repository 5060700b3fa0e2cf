"""The outermost ASGI layer: header limits, the request deadline, resources owned by a request,
and the HTTP metrics of every response."""

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AsyncExitStack
from typing import Any, Final

import falcon.asgi
import msgspec
from prometheus_client import Counter, Histogram

from adapters.http.problems import PROBLEM_JSON, problem_document
from adapters.prometheus.metrics import Metrics

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ROUTE_KEY: Final = "redis_practice.route"
RESOURCES_KEY: Final = "redis_practice.resources"
MAX_HEADER_FIELDS: Final = 100
MAX_HEADER_BYTES: Final = 16 * 1024
UNMATCHED: Final = "unmatched"
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CONVERTER = re.compile(r"\{(\w+):[^}]*\}")


class RouteLabel:
    """Falcon middleware: leave the matched route template in the ASGI scope, for `Edge`.

    Metrics are labelled by template (`/notices/{notice_id}`), never by raw path or unknown
    method, so a client cannot create a time series per URL.
    """

    async def process_resource(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: object,
        params: dict[str, Any],
    ) -> None:
        req.scope[ROUTE_KEY] = req.uri_template


def request_scope(scope: Scope) -> AsyncExitStack:
    """What the current request owns (a subscription, say): released when the request ends,
    however it ends. Made on first use, so that requests owning nothing pay nothing."""
    resources: AsyncExitStack | None = scope.get(RESOURCES_KEY)
    if resources is None:
        resources = scope[RESOURCES_KEY] = AsyncExitStack()
    return resources


def head_refusal(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """Why a request's header block is refused (431), or None. Counted before anything
    looks at a single header (Falcon joins repeated headers by concatenation, which a flood of
    them turns quadratic), and only up to the limits."""
    size = 0
    for fields, (name, value) in enumerate(headers, start=1):
        size += len(name) + len(value)
        if fields > MAX_HEADER_FIELDS:
            return f"more than {MAX_HEADER_FIELDS} header fields"
        if size > MAX_HEADER_BYTES:
            return f"header fields longer than {MAX_HEADER_BYTES} bytes in all"
    return None


def head_too_large_response(reason: str) -> bytes:
    """The body of a 431 answer."""
    return msgspec.json.encode(problem_document(431, f"the request has {reason}"))


class Edge:
    """Wraps the application.

    - Header limits: more than `MAX_HEADER_FIELDS` fields or `MAX_HEADER_BYTES` in all is
      refused with 431 before the application sees the request.
    - Deadline: a request whose response has not started within `deadline_seconds` is
      cancelled and answered 503 with `Retry-After`, whatever it was waiting for. Once the
      response has started (a Server-Sent Events stream, say), it may last.
    - Resources a request took (`request_scope`) are released when it ends.
    """

    def __init__(self, app: ASGIApp, *, deadline_seconds: float, metrics: Metrics) -> None:
        self.wrapped = app
        self._deadline_seconds = deadline_seconds
        self._requests: Counter = metrics.http_requests
        self._durations: Histogram = metrics.http_duration
        # NOTE: `labels()` costs microseconds per call; the children are few, keep them.
        self._series: dict[tuple[str | None, str, int], tuple[Counter, Histogram]] = {}
        self._timeout_body = msgspec.json.encode(
            problem_document(
                503, f"no answer within the {deadline_seconds:g} s deadline; try again"
            )
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.wrapped(scope, receive, send)
            return
        started = time.perf_counter()
        if not isinstance(scope["headers"], list):  # ASGI allows iterables of iterables
            scope["headers"] = [tuple(pair) for pair in scope["headers"]]
        refusal = head_refusal(scope["headers"])
        if refusal is not None:
            await self._send_problem(send, 431, head_too_large_response(refusal), [])
            self._observe(scope, 431, time.perf_counter() - started)
            return
        status: int | None = None
        deadline = asyncio.timeout(self._deadline_seconds)

        async def send_watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                deadline.reschedule(None)
            await send(message)

        try:
            async with deadline:
                await self.wrapped(scope, receive, send_watched)
        except TimeoutError:
            if not deadline.expired() or status is not None:
                raise
            status = 503
            await self._send_problem(send, 503, self._timeout_body, [(b"retry-after", b"1")])
        finally:
            resources: AsyncExitStack | None = scope.get(RESOURCES_KEY)
            if resources is not None:
                await resources.aclose()
            if status is not None:
                self._observe(scope, status, time.perf_counter() - started)

    @staticmethod
    async def _send_problem(
        send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        key = (scope.get(ROUTE_KEY), method, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._new_series(*key)
        series[0].inc()
        series[1].observe(seconds)

    def _new_series(
        self, template: str | None, method: str, status: int
    ) -> tuple[Counter, Histogram]:
        route = UNMATCHED if template is None else _CONVERTER.sub(r"{\1}", template)
        return (
            self._requests.labels(route, method, str(status)),
            self._durations.labels(route, method),
        )
