"""Redis `EventBus`: Pub/Sub on one connection per process, fanned out to local subscriptions."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from redis.asyncio.client import PubSub

from adapters.fanout import Fanout
from adapters.redis import codecs, keys
from adapters.redis.client import RedisConnector
from domain.model.events import BusMessage
from ports.errors import BackendTimeout, SubscriptionClosed
from ports.event_bus import EventBus, Subscription

log = logging.getLogger(__name__)

READ_TIMEOUT: Final = 1.0
RECONNECT_BACKOFF: Final = (0.05, 0.1, 0.2, 0.5, 1.0)


class RedisEventBus(EventBus):
    """PUBLISH to `rp:events:<channel>`; one PubSub connection SUBSCRIBEs to every channel some
    local subscriber follows, and a reader task hands each message to those subscribers.

    - Entering `subscribe` waits for Redis to confirm the SUBSCRIBE: a message published after
      that is delivered (a PUBLISH racing an unconfirmed SUBSCRIBE could be missed).
    - If the connection drops, the reader backs off and reconnects; redis-py then subscribes
      again to every channel. Messages published meanwhile are lost (Pub/Sub keeps nothing).
    """

    def __init__(self, connector: RedisConnector, *, confirm_timeout_seconds: float) -> None:
        self._connector = connector
        self._confirm_timeout_seconds = confirm_timeout_seconds
        self._fanout = Fanout()
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._confirmations: dict[str, asyncio.Future[None]] = {}

    @property
    def subscribers(self) -> int:
        """Subscriptions held in this process (for metrics and tests; not part of the port)."""
        return self._fanout.subscribers

    async def publish(self, message: BusMessage) -> None:
        with self._connector.errors():
            await self._connector.client.publish(
                keys.channel(message.channel), codecs.encode_message(message)
            )

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        if self._fanout.closed:
            raise SubscriptionClosed("the event bus is closed")
        subscription, first = self._fanout.add(channel)
        try:
            if first:
                self._confirmations[channel] = asyncio.get_running_loop().create_future()
                with self._connector.errors():
                    await self._pubsub_connection().subscribe(keys.channel(channel))
                self._start_reader()
            await self._confirmed(channel)
            yield subscription
        finally:
            if self._fanout.remove(subscription):
                await self._unsubscribe(channel)

    async def close(self) -> None:
        self._fanout.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    def _pubsub_connection(self) -> PubSub:
        if self._pubsub is None:
            self._pubsub = self._connector.client.pubsub()
        return self._pubsub

    def _start_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="redis-event-bus-reader")

    async def _confirmed(self, channel: str) -> None:
        confirmation = self._confirmations.get(channel)
        if confirmation is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(confirmation), self._confirm_timeout_seconds)
        except TimeoutError:
            raise BackendTimeout(f"redis did not confirm the subscription to {channel!r}") from None

    async def _unsubscribe(self, channel: str) -> None:
        self._confirmations.pop(channel, None)
        if self._pubsub is None:
            return
        try:
            with self._connector.errors():
                await self._pubsub.unsubscribe(keys.channel(channel))
        except Exception as error:  # the reader reconnects and re-subscribes without it
            log.info("could not unsubscribe from %r: %s", channel, error)

    async def _read(self) -> None:
        pubsub = self._pubsub_connection()
        failures = 0
        while True:
            try:
                message = await pubsub.get_message(timeout=READ_TIMEOUT)
            except Exception as error:
                delay = RECONNECT_BACKOFF[min(failures, len(RECONNECT_BACKOFF) - 1)]
                failures += 1
                log.warning("event bus lost redis (%s); reconnecting in %.2f s", error, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = keys.channel_name(codecs.text(message["channel"]))
        match message["type"]:
            case "subscribe":
                confirmation = self._confirmations.get(channel)
                if confirmation is not None and not confirmation.done():
                    confirmation.set_result(None)
            case "message":
                try:
                    self._fanout.deliver(codecs.decode_message(channel, message["data"]))
                except (ValueError, KeyError) as error:
                    log.warning("dropped a malformed message on %r: %s", channel, error)
