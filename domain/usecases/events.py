"""Event use-cases: publish on a channel, follow a channel."""

from contextlib import AbstractAsyncContextManager

from domain.model.events import BusMessage, EventId
from ports.event_bus import EventBus, Subscription


class PublishEvent:
    """Publish an administrator's message on a channel.

    Returns the event's id once the bus accepted it; raises `BackendUnavailable` when it could
    not.
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def __call__(self, message: BusMessage) -> EventId:
        return await self._bus.publish(message)


class FollowChannel:
    """Subscribe to a channel: an async context manager yielding a `Subscription`.

    Events published after entering are delivered; with `after` (the last event id a client
    saw), first the kept events after it, or a `HistoryGap` if they are no longer kept.
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    def __call__(
        self, channel: str, *, after: EventId | None = None
    ) -> AbstractAsyncContextManager[Subscription]:
        return self._bus.subscribe(channel, after=after)
