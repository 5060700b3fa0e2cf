"""The HTTP/1.1 protocol uvicorn serves the app with: httptools, guarded at the connection level.

uvicorn's httptools protocol trusts its clients more than a public service can:

- it sets no limit on a request's header fields and calls back into Python once per field
  (300,000 repeated lines kept the event loop busy for seconds);
- it puts no deadline on the request head, and none on a connection before its first request:
  200 sockets sending one header byte a second, or 20,000 sockets sending nothing, stayed open
  for good, and the second took every descriptor the process had;
- it answers every parser refusal with a plain-text 400;
- it marks only the newest pipelined request as disconnected when a client goes away, so the
  one running writes to a closed transport (a traceback per connection);
- it keeps Server-Sent Events streams open through a shutdown until its grace period ends, then
  cancels them (more tracebacks).

`guarded_protocol(limits, draining)` returns the protocol class that closes each of these.
"""

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from adapters.http.admission import MAX_HEADER_BYTES, MAX_HEADER_FIELDS, Refusal
from adapters.http.draining import Draining
from adapters.http.problems import PROBLEM_JSON

MAX_TARGET_BYTES: Final = 8 * 1024
"""The longest request target (path and query) accepted; longer is 414."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionLimits:
    """What one server process allows its clients.

    - `head_timeout_seconds`: the request line and header fields must arrive within this long
      of the request's first byte, or the connection is closed (408);
    - `idle_seconds`: a connection that sends nothing this long after it opened, or after its
      last response, is closed (uvicorn's keep-alive timeout, now before a first request too);
    - `max_connections`: open connections at most. Past it, a new connection takes the place
      of the one idle the longest (no request in progress: waiting, or sending its head); if
      every connection has a request in progress, the new one is answered 503 and closed.
    """

    head_timeout_seconds: float = 10.0
    idle_seconds: float = 5.0
    max_connections: int = 10_000


class _Refused(Exception):
    """Raised from a parser callback: httptools stops parsing and reports a callback error."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` with `ConnectionLimits`, header and target limits, problem documents
    for what the parser refuses, and disconnects seen by every request of a connection. A
    subclass made by `guarded_protocol` supplies the class attributes."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    draining: ClassVar[Draining | None] = None
    _waiting: ClassVar["OrderedDict[GuardedHttpToolsProtocol, None]"] = OrderedDict()
    """Connections with no request in progress, the longest waiting first: whom to evict."""

    _head_fields = 0
    _head_bytes = 0
    _target_bytes = 0
    _refusal: Refusal | None = None
    _timer: asyncio.TimerHandle | None = None
    _running: Any = None
    """The request whose application runs (uvicorn knows only the newest one parsed)."""

    # The connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections and not self._evict_one():
            self._answer(Refusal(503, "the server has too many open connections; retry shortly"))
            return
        self._wait(self.limits.idle_seconds, self._close_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        # NOTE: uvicorn marks only `self.cycle`, the newest request parsed: the one running
        # (pipelining) would write to a closed transport and raise.
        for cycle in {self._running, *(cycle for cycle, _ in self.pipeline)} - {None}:
            if not cycle.response_complete:
                cycle.disconnected = True
            cycle.message_event.set()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self.draining is not None:
            self.draining.start()
        super().shutdown()

    # The request head
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_fields = self._head_bytes = self._target_bytes = 0
        self._refusal = None
        self._wait(self.limits.head_timeout_seconds, self._close_slow_head)

    def on_url(self, url: bytes) -> None:
        self._target_bytes += len(url)
        if self._target_bytes > MAX_TARGET_BYTES:
            self._refuse(414, f"the request target is longer than {MAX_TARGET_BYTES} bytes")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_fields += 1
        self._head_bytes += len(name) + len(value)
        if self._head_fields > MAX_HEADER_FIELDS:
            self._refuse(431, f"the request has more than {MAX_HEADER_FIELDS} header fields")
        if self._head_bytes > MAX_HEADER_BYTES:
            self._refuse(
                431, f"the request has header fields longer than {MAX_HEADER_BYTES} bytes in all"
            )
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # NOTE: as uvicorn does (this app serves no WebSocket: the upgrade is refused).
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as error:
            self._answer(self._refusal or _parser_refusal(error))

    # Requests and responses
    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        self._running = cycle
        super()._start_asgi_task(cycle, app)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.pipeline and not self.transport.is_closing():
            self._become_waiting()

    # Internals
    def _refuse(self, status: int, detail: str) -> None:
        self._refusal = Refusal(status, detail)
        raise _Refused(detail)

    def _answer(self, refusal: Refusal) -> None:
        """Answer with a problem document and close: what the parser refused, or what the
        limits do not allow."""
        self._stop_waiting()
        if self.transport.is_closing():
            return
        body = refusal.body()
        head = [
            STATUS_LINE[refusal.status],
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _wait(self, seconds: float, then: Any) -> None:
        """Run `then` in `seconds` unless the connection makes progress first."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(seconds, then)
        self._become_waiting()

    def _become_waiting(self) -> None:
        waiting = type(self)._waiting
        waiting[self] = None
        waiting.move_to_end(self)

    def _stop_waiting(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        type(self)._waiting.pop(self, None)

    def _close_idle(self) -> None:
        self._stop_waiting()
        if not self.transport.is_closing():
            self.transport.close()

    def _close_slow_head(self) -> None:
        head = self.limits.head_timeout_seconds
        self._answer(Refusal(408, f"the request head did not arrive within {head:g} s"))

    def _evict_one(self) -> bool:
        """Close the connection waiting the longest to make room; False if none waits."""
        waiting = type(self)._waiting
        while waiting:
            oldest, _ = waiting.popitem(last=False)
            busy = oldest._running is not None and not oldest._running.response_complete
            if oldest is not self and not busy and not oldest.transport.is_closing():
                oldest._close_idle()
                return True
        return False


def _parser_refusal(error: httptools.HttpParserError) -> Refusal:
    if isinstance(error, httptools.HttpParserInvalidMethodError):
        return Refusal(501, "the request method is not one this server implements")
    if isinstance(error, httptools.HttpParserInvalidURLError):
        return Refusal(400, "the request target is malformed")
    return Refusal(400, f"the request is malformed: {str(error)[:120]}")


def guarded_protocol(
    limits: ConnectionLimits, draining: Draining | None = None
) -> type[GuardedHttpToolsProtocol]:
    """The protocol class to give uvicorn (`http=`) for one server."""
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"limits": limits, "draining": draining, "_waiting": OrderedDict(), "__module__": __name__},
    )
