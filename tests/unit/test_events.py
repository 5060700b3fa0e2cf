"""Level 4, Pub/Sub: publishing, following, and best-effort domain events."""

from dependency_injector import providers

from adapters.http.app import UseCases
from adapters.inmemory.event_bus import InMemoryEventBus
from composition.root import Assembly
from domain.model.events import BusMessage, ChannelEvent, EventId
from domain.model.notices import NoticeDraft
from ports.errors import BackendUnavailable
from tests.support.clock import ManualClock


async def test_should_receive_message_when_event_published(usecases: UseCases) -> None:
    message = BusMessage(channel="alerts", type="disk.full", payload={"host": "db1"})

    async with usecases.follow_channel("alerts") as subscription:
        published = await usecases.publish_event(message)
        received = await subscription.receive(timeout_seconds=1)

    assert received == ChannelEvent(published, message)


async def test_messages_of_other_channels_are_not_received(usecases: UseCases) -> None:
    async with usecases.follow_channel("alerts") as subscription:
        await usecases.publish_event(BusMessage(channel="other", type="t", payload={}))
        assert await subscription.receive(timeout_seconds=0.01) is None


class BrokenBus(InMemoryEventBus):
    async def publish(self, message: BusMessage) -> EventId:
        raise BackendUnavailable("bus down")


async def test_a_notice_is_posted_even_when_its_announcement_fails(assembly: Assembly) -> None:
    assembly.adapters.bus.override(providers.Object(BrokenBus(ManualClock())))
    usecases: UseCases = assembly.container.usecases()

    notice = await usecases.post_notice(NoticeDraft(title="t", body="b"))

    assert await usecases.get_notice(notice.id) == notice
