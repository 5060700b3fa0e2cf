"""`BusAnnouncer`: domain events published on the event bus, rendered by the HTTP edge."""

import logging
from collections.abc import Callable

from domain.model.events import BusMessage, DomainEvent
from ports.announcer import Announcer
from ports.errors import PortError
from ports.event_bus import EventBus

log = logging.getLogger(__name__)


class BusAnnouncer(Announcer):
    """Renders each event into a bus message (`render` is the API's wire form, so a stream
    client reads the same JSON as the REST routes) and publishes it, best effort."""

    def __init__(self, bus: EventBus, render: Callable[[DomainEvent], BusMessage]) -> None:
        self._bus = bus
        self._render = render

    async def announce(self, event: DomainEvent) -> None:
        message = self._render(event)
        try:
            await self._bus.publish(message)
        except PortError as error:
            log.warning("could not announce %s on %r: %s", message.type, message.channel, error)
