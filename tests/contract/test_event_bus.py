"""`EventBus` contract: delivery after subscribing, order, channels, no history, close."""

import pytest

from domain.model.events import BusMessage
from ports.errors import SubscriptionClosed
from tests.contract.backends import Backend


def message(n: int, channel: str = "alerts") -> BusMessage:
    return BusMessage(channel=channel, type="tick", payload={"n": n, "nested": {"ok": True}})


async def test_messages_arrive_once_in_publish_order(backend: Backend) -> None:
    async with backend.bus().subscribe("alerts") as subscription:
        for n in range(50):
            await backend.bus().publish(message(n))
        received = [await subscription.receive(timeout_seconds=2) for _ in range(50)]
        extra = await subscription.receive(timeout_seconds=0.05)

    assert received == [message(n) for n in range(50)]
    assert extra is None


async def test_every_subscriber_of_the_channel_receives(backend: Backend) -> None:
    async with (
        backend.bus().subscribe("alerts") as one,
        backend.bus().subscribe("alerts") as two,
        backend.bus().subscribe("other") as elsewhere,
    ):
        await backend.bus().publish(message(1))

        assert await one.receive(timeout_seconds=2) == message(1)
        assert await two.receive(timeout_seconds=2) == message(1)
        assert await elsewhere.receive(timeout_seconds=0.05) is None


async def test_nothing_published_before_subscribing_is_kept(backend: Backend) -> None:
    await backend.bus().publish(message(0))

    async with backend.bus().subscribe("alerts") as subscription:
        await backend.bus().publish(message(1))
        assert await subscription.receive(timeout_seconds=2) == message(1)


async def test_closing_the_bus_ends_subscriptions(backend: Backend) -> None:
    bus = backend.bus()
    async with bus.subscribe("alerts") as subscription:
        await bus.close()
        with pytest.raises(SubscriptionClosed):
            await subscription.receive(timeout_seconds=2)
