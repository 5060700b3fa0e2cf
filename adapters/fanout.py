"""Fan-out of bus messages to the subscriptions of this process, shared by every event bus."""

import asyncio
import logging
from typing import Final

from domain.model.events import BusMessage
from ports.errors import SubscriptionClosed
from ports.event_bus import Subscription

log = logging.getLogger(__name__)

QUEUE_LIMIT: Final = 1000
"""Messages a subscriber may lag behind before it loses new ones (Redis drops such a client)."""

_CLOSED: Final = object()


class QueuedSubscription(Subscription):
    """A bounded queue of one channel's messages for one subscriber."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[BusMessage | object] = asyncio.Queue(QUEUE_LIMIT)

    async def receive(self, timeout_seconds: float) -> BusMessage | None:
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout_seconds)
        except TimeoutError:
            return None
        if isinstance(item, BusMessage):
            return item
        self._queue.put_nowait(_CLOSED)  # stay closed for any later receive
        raise SubscriptionClosed("the event bus is closed")

    def deliver(self, message: BusMessage) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("a subscriber of %r is too slow: message dropped", self.channel)

    def close(self) -> None:
        """Mark the end; make room if needed, the mark must get through even a full queue."""
        while True:
            try:
                self._queue.put_nowait(_CLOSED)
            except asyncio.QueueFull:
                self._queue.get_nowait()
            else:
                return


class Fanout:
    """The local subscriptions by channel."""

    def __init__(self) -> None:
        self._channels: dict[str, set[QueuedSubscription]] = {}
        self.closed = False

    def add(self, channel: str) -> tuple[QueuedSubscription, bool]:
        """A new subscription, and whether it is the channel's first here."""
        subscription = QueuedSubscription(channel)
        if self.closed:
            subscription.close()
        subscribers = self._channels.setdefault(channel, set())
        subscribers.add(subscription)
        return subscription, len(subscribers) == 1

    def remove(self, subscription: QueuedSubscription) -> bool:
        """Forget a subscription; returns whether it was the channel's last here."""
        subscribers = self._channels.get(subscription.channel, set())
        subscribers.discard(subscription)
        if subscribers:
            return False
        self._channels.pop(subscription.channel, None)
        return True

    @property
    def subscribers(self) -> int:
        """How many subscriptions this process holds, all channels together."""
        return sum(len(subscribers) for subscribers in self._channels.values())

    def deliver(self, message: BusMessage) -> None:
        for subscription in self._channels.get(message.channel, ()):
            subscription.deliver(message)

    def close(self) -> None:
        self.closed = True
        for subscribers in self._channels.values():
            for subscription in subscribers:
                subscription.close()
