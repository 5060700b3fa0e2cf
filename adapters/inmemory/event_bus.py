"""In-memory `EventBus`: publishing fans out to this process's subscriptions; each channel keeps
its newest events for replay."""

from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.fanout import Fanout
from adapters.inmemory.round_trip import round_trip
from domain.model.events import BusMessage, ChannelEvent, EventId, HistoryGap
from ports.clock import Clock
from ports.event_bus import HISTORY_SIZE, EventBus, Subscription


class _History:
    """A channel's newest events, and the newest one dropped (the same rules as
    `adapters/redis/lua/event_replay.lua`)."""

    def __init__(self, size: int) -> None:
        self._events: deque[ChannelEvent] = deque()
        self._size = size
        self._dropped: EventId | None = None

    @property
    def latest(self) -> EventId | None:
        return self._events[-1].id if self._events else None

    def next_id(self, millis: int) -> EventId:
        """Like Redis Stream ids: the time in ms, and a sequence within the same ms."""
        latest = self.latest or self._dropped or EventId.ORIGIN
        if millis > latest.millis:
            return EventId(millis, 0)
        return EventId(latest.millis, latest.sequence + 1)

    def append(self, event: ChannelEvent) -> None:
        self._events.append(event)
        while len(self._events) > self._size:
            self._dropped = self._events.popleft().id

    def after(self, start: EventId, *, asked: bool = False) -> list[ChannelEvent] | HistoryGap:
        """The events after `start`; a gap unless `start` is an event kept or the newest one
        dropped (or, for the bus's own subscribers, not `asked` by a client: 0-0 while nothing
        was dropped)."""
        if start == EventId.ORIGIN:
            proven = not asked and self._dropped is None
        else:
            proven = start == self._dropped or any(event.id == start for event in self._events)
        if not proven:
            return HistoryGap(self.latest)
        return [event for event in self._events if event.id > start]


class InMemoryEventBus(EventBus):
    """Delivers within this process only: instances do not hear each other (use Redis for that)."""

    def __init__(self, clock: Clock, *, history_size: int = HISTORY_SIZE) -> None:
        self._clock = clock
        self._history_size = history_size
        self._fanout = Fanout()
        self._histories: dict[str, _History] = {}

    @property
    def subscribers(self) -> int:
        """Subscriptions held in this process (for metrics and tests; not part of the port)."""
        return self._fanout.subscribers

    async def publish(self, message: BusMessage) -> EventId:
        await round_trip()
        history = self._history(message.channel)
        event = ChannelEvent(history.next_id(int(self._clock.timestamp() * 1000)), message)
        history.append(event)
        self._fanout.deliver(message.channel, event)
        return event.id

    @asynccontextmanager
    async def subscribe(
        self, channel: str, *, after: EventId | None = None
    ) -> AsyncIterator[Subscription]:
        await round_trip()
        history = self._history(channel)
        start = after if after is not None else history.latest or EventId.ORIGIN
        subscription, _ = self._fanout.add(channel, start)
        # NOTE: nothing awaited since `add`: nothing held.
        subscription.catch_up(history.after(start, asked=after is not None))
        try:
            yield subscription
        finally:
            self._fanout.remove(subscription)

    async def close(self) -> None:
        self._fanout.close()

    def _history(self, channel: str) -> _History:
        history = self._histories.get(channel)
        if history is None:
            history = self._histories[channel] = _History(self._history_size)
        return history
