"""Event use-cases: publish on a channel, follow a channel."""

from contextlib import AbstractAsyncContextManager

from domain.model.events import BusMessage
from ports.event_bus import EventBus, Subscription


class PublishEvent:
    """Publish an administrator's message on a channel.

    Returns once the bus accepted it; raises `BackendUnavailable` when it could not.
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def __call__(self, message: BusMessage) -> None:
        await self._bus.publish(message)


class FollowChannel:
    """Subscribe to a channel: an async context manager yielding a `Subscription`.

    Messages published after entering are delivered; nothing earlier is replayed.
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    def __call__(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        return self._bus.subscribe(channel)
