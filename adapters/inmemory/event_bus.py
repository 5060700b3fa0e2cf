"""In-memory `EventBus`: a bounded queue per subscription, fan-out on publish."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from adapters.inmemory.round_trip import round_trip
from domain.model.events import BusMessage
from ports.errors import SubscriptionClosed
from ports.event_bus import EventBus, Subscription

log = logging.getLogger(__name__)

QUEUE_LIMIT: Final = 1000
"""Messages a subscriber may lag behind before it loses new ones (Redis drops such a client)."""

_CLOSED: Final = object()


class _QueueSubscription(Subscription):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[BusMessage | object] = asyncio.Queue(QUEUE_LIMIT)

    async def receive(self, timeout_seconds: float) -> BusMessage | None:
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout_seconds)
        except TimeoutError:
            return None
        if isinstance(item, BusMessage):
            return item
        self.queue.put_nowait(_CLOSED)  # stay closed for any later receive
        raise SubscriptionClosed("the event bus is closed")


class InMemoryEventBus(EventBus):
    """Delivers within this process only: instances do not hear each other (use Redis for that)."""

    def __init__(self) -> None:
        self._channels: dict[str, set[_QueueSubscription]] = {}
        self._closed = False

    async def publish(self, message: BusMessage) -> None:
        await round_trip()
        for subscription in self._channels.get(message.channel, ()):
            try:
                subscription.queue.put_nowait(message)
            except asyncio.QueueFull:
                log.warning("subscriber on %r is too slow: message dropped", message.channel)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        await round_trip()
        subscription = _QueueSubscription()
        if self._closed:
            subscription.queue.put_nowait(_CLOSED)
        subscribers = self._channels.setdefault(channel, set())
        subscribers.add(subscription)
        try:
            yield subscription
        finally:
            subscribers.discard(subscription)
            if not subscribers:
                self._channels.pop(channel, None)

    async def close(self) -> None:
        self._closed = True
        for subscribers in self._channels.values():
            for subscription in subscribers:
                _put_closed(subscription.queue)


def _put_closed(queue: "asyncio.Queue[BusMessage | object]") -> None:
    """Make room if needed: the closing mark must get through even to a full queue."""
    while True:
        try:
            queue.put_nowait(_CLOSED)
        except asyncio.QueueFull:
            queue.get_nowait()
        else:
            return
