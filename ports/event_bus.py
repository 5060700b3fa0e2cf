"""The `EventBus` port: fire-and-forget publish/subscribe between instances."""

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from domain.model.events import BusMessage


class Subscription(Protocol):
    """Messages of one channel, in the order they were published."""

    async def receive(self, timeout_seconds: float) -> BusMessage | None:
        """The next message, or None if none came within `timeout_seconds`.

        Raises `SubscriptionClosed` when the bus shuts down.
        """
        ...


class EventBus(Protocol):
    """Publish/subscribe with Pub/Sub semantics: at most once, no history.

    Contract:
    - A message published after `subscribe(channel)` has been entered is delivered to that
      subscription once, unless the subscriber is disconnected or too slow (then it may be lost).
      Messages published before, or while no one listens, are not kept.
    - Messages of one publisher on one channel arrive in publish order.
    - `publish` returns once the bus has accepted the message.
    - A subscription survives a backend reconnect (messages published meanwhile may be lost).
    - `close` ends every subscription (`SubscriptionClosed`) and releases the backend.
    - Failures of `publish` raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def publish(self, message: BusMessage) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...

    async def close(self) -> None: ...
