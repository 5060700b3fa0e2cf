"""The outermost ASGI layer: what every request must pass before routing (`admission`), the
request deadline, resources owned by a request, and the HTTP metrics of every response."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any, Final

import msgspec

from adapters.http.admission import MAX_BODY_BYTES, refusal_of
from adapters.http.problems import PROBLEM_JSON, problem_document
from adapters.prometheus.loop_metrics import CounterChild, HistogramChild
from adapters.prometheus.metrics import Metrics

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ROUTE_KEY: Final = "redis_practice.route"
"""Where a responder leaves its route template, for the metrics: labelled by template
(`/notices/{notice_id}`), never by raw path, so a client cannot create a series per URL."""
RESOURCES_KEY: Final = "redis_practice.resources"
RECEIVE_KEY: Final = "redis_practice.receive"
UNMATCHED: Final = "unmatched"
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_scope(scope: Scope) -> AsyncExitStack:
    """What the current request owns (a subscription, say): released when the request ends,
    however it ends. Made on first use, so that requests owning nothing pay nothing."""
    resources: AsyncExitStack | None = scope.get(RESOURCES_KEY)
    if resources is None:
        resources = scope[RESOURCES_KEY] = AsyncExitStack()
    return resources


async def client_gone(scope: Scope) -> None:
    """Returns when the client of this request has disconnected (for a response that lasts: an
    event stream must not wait for its next send to notice, holding its subscription)."""
    receive: Receive = scope[RECEIVE_KEY]
    while (await receive())["type"] != "http.disconnect":
        pass


class Deadlines:
    """When each request in flight must have started its answer, and one watchdog that
    cancels the requests past it.

    NOTE: `asyncio.timeout` per request arms and disarms a timer each time, about 8 us on this
    machine, a quarter of a cached page's time in this process. Here a request costs two
    dictionary operations; a watchdog, running only while requests are in flight, looks every
    `interval` (a twentieth of the deadline, at most 50 ms), which is the precision gained or
    lost. An ASGI server runs each request in a task of its own (uvicorn does): the task is
    what gets cancelled.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._interval = min(0.05, seconds / 20)
        self._due: dict[asyncio.Task[Any], float] = {}
        self._cancelled: set[asyncio.Task[Any]] = set()
        self._watchdog: asyncio.Task[None] | None = None

    def watch(self, task: asyncio.Task[Any]) -> None:
        loop = asyncio.get_running_loop()
        self._due[task] = loop.time() + self.seconds
        if self._watchdog is None:
            self._watchdog = loop.create_task(self._watch(), name="request-deadlines")

    def release(self, task: asyncio.Task[Any]) -> None:
        """The request answered (or ended): no deadline for it any more."""
        self._due.pop(task, None)
        self._cancelled.discard(task)

    def took(self, task: asyncio.Task[Any]) -> bool:
        """Whether the watchdog cancelled this request (and forget it)."""
        if task in self._cancelled:
            self._cancelled.discard(task)
            return True
        return False

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._due:
                await asyncio.sleep(self._interval)
                now = loop.time()
                for task in [task for task, due in self._due.items() if due <= now]:
                    del self._due[task]
                    self._cancelled.add(task)
                    task.cancel()
        finally:
            self._watchdog = None


class Edge:
    """Wraps the application.

    - Refusals from the header block alone (431, 413, 415; see `refusal_of`), before the
      application sees the request.
    - Deadline: a request whose response has not started within `deadline_seconds` is
      cancelled and answered 503 with `Retry-After`, whatever it was waiting for. Once the
      response has started (a Server-Sent Events stream, say), it may last.
    - Resources a request took (`request_scope`) are released when it ends.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        deadline_seconds: float,
        metrics: Metrics,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.wrapped = app
        self._deadlines = Deadlines(deadline_seconds)
        self._max_body_bytes = max_body_bytes
        self._metrics = metrics
        self._series: dict[tuple[str | None, str, int], tuple[CounterChild, HistogramChild]] = {}
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
        refusal = refusal_of(scope["headers"], self._max_body_bytes)
        if refusal is not None:
            await self._send_problem(send, refusal.status, refusal.body(), [])
            self._observe(scope, refusal.status, time.perf_counter() - started)
            return
        status: int | None = None
        task = asyncio.current_task()
        assert task is not None
        deadlines = self._deadlines

        async def send_watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                deadlines.release(task)
            await send(message)

        deadlines.watch(task)
        scope[RECEIVE_KEY] = receive
        try:
            await self.wrapped(scope, receive, send_watched)
        except asyncio.CancelledError:
            if not deadlines.took(task) or status is not None:
                raise  # cancelled by someone else (the server shutting down)
            task.uncancel()
            status = 503
            await self._send_problem(send, 503, self._timeout_body, [(b"retry-after", b"1")])
        finally:
            deadlines.release(task)
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
            route = UNMATCHED if key[0] is None else key[0]
            series = self._series[key] = (
                self._metrics.http_requests.labels(route, method, str(status)),
                self._metrics.http_duration.labels(route, method),
            )
        series[0].inc()
        series[1].observe(seconds)
