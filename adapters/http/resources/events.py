"""`/events`: publish on a channel, follow a channel as Server-Sent Events (Level 4)."""

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any, Final

import falcon.asgi
import msgspec
from falcon.asgi import Request, Response

from adapters.http.draining import Draining
from adapters.http.edge import client_gone, request_scope
from adapters.http.messages.events import (
    EventMessage,
    Published,
    Reset,
    StreamEvent,
    StreamHeaders,
    StreamQuery,
)
from adapters.http.messages.fields import Name
from adapters.http.routing import Auth, Reply, ok, operation
from adapters.tasks import cancelled
from domain.model.events import BusMessage, ChannelEvent, EventId, HistoryGap
from domain.usecases.events import FollowChannel, PublishEvent
from ports.errors import PortError
from ports.event_bus import Subscription

STREAM_CHANNEL = "stream"
RETRY_MS = 1000
"""How long EventSource waits before it reconnects (the `retry:` field): about a failover."""
STREAM: Final = Reply(
    status=200,
    description="`retry:` first; then `id: <id>`, `event: <type>` and `data: <json>` per message "
    "(with `Last-Event-ID`, first the kept messages after it, or `event: reset` if they are "
    "gone); a comment line as keep-alive",
    body=StreamEvent,
    media_type="text/event-stream",
)
PUBLISHED: Final = ok(202, "Published", Published)


class EventsResource:
    """Publish (admin) on a channel, or follow one as a stream.

    `POST /events/stream` publishes on the channel named "stream": the static route wins over
    `{channel}` in the router, so it is answered here too.
    """

    def __init__(
        self,
        publish: PublishEvent,
        follow: FollowChannel,
        *,
        keepalive_seconds: float,
        max_stream_seconds: float,
        draining: Draining | None = None,
    ) -> None:
        self._publish = publish
        self._follow = follow
        self._keepalive_seconds = keepalive_seconds
        self._max_stream_seconds = max_stream_seconds
        self._draining = draining or Draining()
        self._encode = msgspec.json.Encoder().encode

    @operation("GET", "/events/stream", STREAM)
    async def stream(
        self, req: Request, resp: Response, *, query: StreamQuery, headers: StreamHeaders
    ) -> None:
        """Follow a channel as Server-Sent Events."""
        # NOTE: subscribe before answering 200, so that whatever is published once the client
        # has the response headers reaches it, and a bus outage is a 503, not a dead stream.
        # The request's scope owns the subscription: it ends with the request, whether the
        # stream ran, was dropped before its first event, or never started.
        subscription = await request_scope(req.scope).enter_async_context(
            self._follow(query.channel, after=_after(headers.last_event_id))
        )
        resp.content_type = "text/event-stream"
        resp.set_header("Cache-Control", "no-store")
        resp.set_header("X-Accel-Buffering", "no")  # let reverse proxies pass events through
        resp.sse = self._events(query.channel, subscription, req.scope)

    @operation("POST", "/events/stream", PUBLISHED, auth=Auth.ADMIN)
    async def publish_on_stream(
        self, req: Request, resp: Response, *, body: EventMessage
    ) -> Published:
        """Publish on the channel named `stream`."""
        return await self.publish(req, resp, channel=STREAM_CHANNEL, body=body)

    @operation("POST", "/events/{channel}", PUBLISHED, auth=Auth.ADMIN)
    async def publish(
        self, req: Request, resp: Response, *, channel: Name, body: EventMessage
    ) -> Published:
        """Publish a message on a channel."""
        await self._publish(BusMessage(channel=channel, type=body.type, payload=body.payload))
        return Published(channel, body.type)

    async def _events(
        self, channel: str, subscription: Subscription, scope: dict[str, Any]
    ) -> AsyncIterator[falcon.asgi.SSEvent]:
        yield falcon.asgi.SSEvent(retry=RETRY_MS, comment=f"subscribed to {channel}")
        clock = asyncio.get_running_loop().time
        ends_at = clock() + self._max_stream_seconds if self._max_stream_seconds else math.inf
        stop = asyncio.ensure_future(self._stopped(scope))
        try:
            while (left := ends_at - clock()) > 0:
                try:
                    message = await _next(subscription, min(self._keepalive_seconds, left), stop)
                except (PortError, _Stopped):
                    # The bus is closing or gone, the server is shutting down, or the client
                    # left: end the stream now (EventSource reconnects, to another instance if
                    # this one is going), and with it the subscription.
                    return
                if message is None:
                    yield falcon.asgi.SSEvent(comment="keep-alive")
                elif isinstance(message, HistoryGap):
                    # The client starts over from the newest event kept (0-0: from the first).
                    yield falcon.asgi.SSEvent(
                        event="reset",
                        data=self._encode(Reset("gap")),
                        event_id=str(message.latest or EventId.ORIGIN),
                    )
                else:
                    yield falcon.asgi.SSEvent(
                        event=message.message.type,
                        data=self._encode(message.message.payload),
                        event_id=str(message.id),
                    )
        finally:
            stop.cancel()

    async def _stopped(self, scope: dict[str, Any]) -> None:
        """Returns when the server starts shutting down or the client goes away."""
        waits = {
            asyncio.ensure_future(self._draining.wait()),
            asyncio.ensure_future(client_gone(scope)),
        }
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()


async def _next(
    subscription: Subscription, timeout_seconds: float, stop: "asyncio.Future[None]"
) -> ChannelEvent | HistoryGap | None:
    """The subscription's next delivery, or `_Stopped` as soon as `stop` is done."""
    if stop.done():
        raise _Stopped
    receiving = asyncio.ensure_future(subscription.receive(timeout_seconds))
    waits: set[asyncio.Future[Any]] = {receiving, stop}
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    if receiving.done():
        return receiving.result()
    await cancelled([receiving])
    raise _Stopped


class _Stopped(Exception):
    """The server started shutting down, or the client left, while a stream waited."""


def _after(last_event_id: str) -> EventId | None:
    """Where the client left off: None without the header; for a value that is no event id
    at all, 0-0, which no history proves for a client (its stream starts with a reset)."""
    if not last_event_id:
        return None
    try:
        return EventId.parse(last_event_id)
    except ValueError:
        return EventId.ORIGIN
