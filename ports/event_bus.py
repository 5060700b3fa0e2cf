"""The `EventBus` port: publish/subscribe between instances, with a short history per channel
from which a subscriber that was away is brought up to date."""

from contextlib import AbstractAsyncContextManager
from typing import Final, Protocol

from domain.model.events import BusMessage, ChannelEvent, EventId, HistoryGap

HISTORY_SIZE: Final = 1000
"""Events each channel's history keeps: the newest `HISTORY_SIZE`, whatever their age."""


class Subscription(Protocol):
    """One channel's events, in the order they were published, each once."""

    async def receive(self, timeout_seconds: float) -> ChannelEvent | HistoryGap | None:
        """The next event; a `HistoryGap` when events this subscriber should have had are lost
        (it must start over); None if nothing came within `timeout_seconds`.

        Raises `SubscriptionClosed` when the bus shuts down.
        """
        ...


class EventBus(Protocol):
    """Publish/subscribe, with history.

    Contract:
    - `publish` appends the message to its channel's history (the newest `HISTORY_SIZE` events
      are kept) and returns its id once the bus has accepted it; ids of a channel only grow.
      A retried publish is still one event.
    - `subscribe(channel)`: every event published after entering is delivered, in id order,
      once. Nothing earlier.
    - `subscribe(channel, after=id)`: first the kept events after `id`, in order, then the live
      ones: none twice, none missing. Replay happens only from a position the history proves:
      `id` is an event it still keeps, or the newest one it trimmed away. Any other `id`
      (older than what is kept, from before the history was lost, from the future, from
      elsewhere, or 0-0) gets a `HistoryGap` first, then the events after the newest kept one.
    - A subscription survives a backend reconnect or failover: events published meanwhile
      are delivered from the history when the bus is back, in order, none twice; if the
      history lost them, a `HistoryGap` says so.
    - A subscriber that lags `HISTORY_SIZE` events behind gets a `HistoryGap` instead of them.
    - `close` ends every subscription (`SubscriptionClosed`) and releases the backend.
    - Failures of `publish` and of entering `subscribe` raise `BackendUnavailable` /
      `BackendTimeout`.
    """

    async def publish(self, message: BusMessage) -> EventId: ...

    def subscribe(
        self, channel: str, *, after: EventId | None = None
    ) -> AbstractAsyncContextManager[Subscription]: ...

    async def close(self) -> None: ...
