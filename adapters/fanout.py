"""Fan-out of a channel's events to the subscriptions of this process, shared by every event
bus: each subscription delivers in id order, each event once, and reports a gap when it
cannot."""

import asyncio
import logging
from collections.abc import Iterable
from typing import Final

from domain.model.events import ChannelEvent, EventId, HistoryGap
from ports.errors import SubscriptionClosed
from ports.event_bus import HISTORY_SIZE, Subscription

log = logging.getLogger(__name__)

QUEUE_LIMIT: Final = HISTORY_SIZE
"""Events a subscriber may lag behind; past that it gets a `HistoryGap` instead of them."""

_CLOSED: Final = object()

Delivery = ChannelEvent | HistoryGap


class QueuedSubscription(Subscription):
    """A bounded queue of one channel's events for one subscriber.

    `position` is the newest event it was given (or where it started): an event at or before
    it is a duplicate (from a replay overlapping live delivery) and is dropped. While `held`
    (entering, until the history it asked for is read), live events wait aside and come after
    that history.
    """

    def __init__(self, channel: str, position: EventId) -> None:
        self.channel = channel
        self.position = position
        self._queue: asyncio.Queue[Delivery | object] = asyncio.Queue(QUEUE_LIMIT + 1)
        self._held: list[Delivery] | None = []

    async def receive(self, timeout_seconds: float) -> Delivery | None:
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout_seconds)
        except TimeoutError:
            return None
        if isinstance(item, ChannelEvent | HistoryGap):
            return item
        self._queue.put_nowait(_CLOSED)  # stay closed for any later receive
        raise SubscriptionClosed("the event bus is closed")

    def catch_up(self, history: Iterable[ChannelEvent] | HistoryGap) -> None:
        """Deliver `history` (the events after `position`, or the gap instead), then what was
        held meanwhile, and go live."""
        held, self._held = self._held or [], None
        if isinstance(history, HistoryGap):
            self.deliver(history)
        else:
            for event in history:
                self.deliver(event)
        for delivery in held:
            self.deliver(delivery)

    def deliver(self, delivery: Delivery) -> None:
        if self._held is not None:
            self._held.append(delivery)
            return
        if isinstance(delivery, HistoryGap):
            self.position = delivery.latest or EventId.ORIGIN
        elif delivery.id <= self.position:
            return  # had it already
        else:
            self.position = delivery.id
        if self._queue.qsize() >= QUEUE_LIMIT:
            log.warning("a subscriber of %r lags %d events behind: gap", self.channel, QUEUE_LIMIT)
            self._drain()
            delivery = HistoryGap(self.position)
        self._queue.put_nowait(delivery)

    @property
    def held(self) -> bool:
        return self._held is not None

    def close(self) -> None:
        """Mark the end; make room if needed, the mark must get through even a full queue."""
        self._held = None
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()


class Fanout:
    """The local subscriptions by channel."""

    def __init__(self) -> None:
        self._channels: dict[str, set[QueuedSubscription]] = {}
        self.closed = False

    def add(self, channel: str, position: EventId) -> tuple[QueuedSubscription, bool]:
        """A new subscription, held, from `position`; and whether it is the channel's first."""
        subscription = QueuedSubscription(channel, position)
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

    @property
    def channels(self) -> list[str]:
        return list(self._channels)

    def follows(self, channel: str) -> bool:
        """Whether some subscription of this process follows the channel."""
        return channel in self._channels

    def position(self, channel: str) -> EventId | None:
        """Where a catch-up of the channel starts: the oldest position of its live
        subscriptions (one still entering reads its own history), None without any."""
        subscribers = self._channels.get(channel, ())
        live = [subscription.position for subscription in subscribers if not subscription.held]
        return min(live, default=None)

    def deliver(self, channel: str, delivery: Delivery) -> None:
        for subscription in list(self._channels.get(channel, ())):
            subscription.deliver(delivery)

    def close(self) -> None:
        self.closed = True
        for subscribers in self._channels.values():
            for subscription in subscribers:
                subscription.close()
