"""An `Announcer` that keeps what it is told, for tests that look at domain events."""

from domain.model.events import DomainEvent
from ports.announcer import Announcer


class RecordingAnnouncer(Announcer):
    """Keeps every announced event, in order."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def announce(self, event: DomainEvent) -> None:
        self.events.append(event)
