"""In-memory `EventBus`: publishing fans out to this process's subscriptions."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.fanout import Fanout
from adapters.inmemory.round_trip import round_trip
from domain.model.events import BusMessage
from ports.event_bus import EventBus, Subscription


class InMemoryEventBus(EventBus):
    """Delivers within this process only: instances do not hear each other (use Redis for that)."""

    def __init__(self) -> None:
        self._fanout = Fanout()

    @property
    def subscribers(self) -> int:
        """Subscriptions held in this process (for metrics and tests; not part of the port)."""
        return self._fanout.subscribers

    async def publish(self, message: BusMessage) -> None:
        await round_trip()
        self._fanout.deliver(message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        await round_trip()
        subscription, _ = self._fanout.add(channel)
        try:
            yield subscription
        finally:
            self._fanout.remove(subscription)

    async def close(self) -> None:
        self._fanout.close()
