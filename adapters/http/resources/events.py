"""`/events`: publish on a channel, follow a channel as Server-Sent Events (Level 4)."""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import falcon.asgi
import orjson

from adapters.http.auth import Guard
from adapters.http.requests import QueryFields, json_fields, path_value
from adapters.http.responses import send_json
from domain.model.events import EVENT_TYPE, BusMessage
from domain.model.rules import NAME, AnyObject
from domain.usecases.events import FollowChannel, PublishEvent
from ports.errors import PortError
from ports.event_bus import Subscription

STREAM_CHANNEL = "stream"


class EventsResource:
    """`GET /events/stream?channel=` streams; `POST /events/{channel}` publishes (admin).

    `POST /events/stream` publishes on the channel named "stream": the static route wins over
    `{channel}` in the router, so it is answered here too.
    """

    def __init__(
        self,
        guard: Guard,
        publish: PublishEvent,
        follow: FollowChannel,
        *,
        keepalive_seconds: float,
    ) -> None:
        self._guard = guard
        self._publish = publish
        self._follow = follow
        self._keepalive_seconds = keepalive_seconds

    async def on_post_channel(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, channel: str
    ) -> None:
        await self._guard.admin(req)
        channel = path_value("channel", channel, NAME)
        with await json_fields(req) as fields:
            type_ = fields.required("type", EVENT_TYPE)
            payload = fields.required("payload", AnyObject())
        await self._publish(BusMessage(channel=channel, type=type_, payload=payload))
        send_json(resp, {"channel": channel, "type": type_}, status=202)

    async def on_post_stream(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self.on_post_channel(req, resp, STREAM_CHANNEL)

    async def on_get_stream(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        with QueryFields(req) as query:
            channel = query.text("channel", NAME)
        # NOTE: subscribe before answering 200, so that whatever is published once the client
        # has the response headers reaches it, and a bus outage is a 503, not a dead stream.
        following = self._follow(channel)
        subscription = await following.__aenter__()
        resp.content_type = "text/event-stream"
        resp.set_header("Cache-Control", "no-store")
        resp.set_header("X-Accel-Buffering", "no")  # let reverse proxies pass events through
        resp.sse = self._events(channel, following, subscription)

    async def _events(
        self,
        channel: str,
        following: AbstractAsyncContextManager[Subscription],
        subscription: Subscription,
    ) -> AsyncIterator[falcon.asgi.SSEvent]:
        try:
            yield falcon.asgi.SSEvent(comment=f"subscribed to {channel}")
            while True:
                message = await subscription.receive(self._keepalive_seconds)
                if message is None:
                    # NOTE: also how a client that went away is noticed: Falcon checks after a send.
                    yield falcon.asgi.SSEvent(comment="keep-alive")
                else:
                    yield falcon.asgi.SSEvent(
                        event=message.type, data=orjson.dumps(message.payload)
                    )
        except PortError:
            return  # the bus is closing or gone: end the stream; EventSource will reconnect
        finally:
            await following.__aexit__(None, None, None)
