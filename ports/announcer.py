"""The `Announcer` port: telling other instances and stream clients what just happened."""

from typing import Protocol

from domain.model.events import DomainEvent


class Announcer(Protocol):
    """Publishes domain events on the event bus, in the API's wire form.

    Contract:
    - Best effort: `announce` returns once the event was published or could not be, and never
      raises. The change an event reports has already happened; it must not be undone, nor
      reported as failed, because a notification could not go out. A failure is logged.
    - The event's channel, type and payload (the API's JSON) are the adapter's to choose; the
      domain only says what happened.
    """

    async def announce(self, event: DomainEvent) -> None: ...
