"""The outermost ASGI layer: the request deadline, and the HTTP metrics of every response."""

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import falcon.asgi
import orjson
from prometheus_client import Counter, Histogram

from adapters.http.problems import PROBLEM_JSON
from adapters.prometheus.metrics import Metrics

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ROUTE_KEY: Final = "redis_practice.route"
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


class Edge:
    """Wraps the application.

    Deadline: a request whose response has not started within `deadline_seconds` is cancelled
    and answered 503 with `Retry-After`, whatever it was waiting for. Once the response has
    started (a Server-Sent Events stream, say), it may last.
    """

    def __init__(self, app: ASGIApp, *, deadline_seconds: float, metrics: Metrics) -> None:
        self.wrapped = app
        self._deadline_seconds = deadline_seconds
        self._requests: Counter = metrics.http_requests
        self._durations: Histogram = metrics.http_duration
        # NOTE: `labels()` costs microseconds per call; the children are few, keep them.
        self._series: dict[tuple[str | None, str, int], tuple[Counter, Histogram]] = {}
        self._timeout_body = orjson.dumps(
            {
                "type": "about:blank",
                "title": "Service Unavailable",
                "status": 503,
                "detail": f"no answer within the {deadline_seconds:g} s deadline; try again",
            }
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.wrapped(scope, receive, send)
            return
        started = time.perf_counter()
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
            await self._send_timeout(send)
        finally:
            if status is not None:
                self._observe(scope, status, time.perf_counter() - started)

    async def _send_timeout(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(self._timeout_body)).encode()),
                    (b"retry-after", b"1"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": self._timeout_body})

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
