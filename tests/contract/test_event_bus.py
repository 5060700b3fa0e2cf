"""`EventBus` contract: delivery after subscribing, order, ids, replay from the history, gaps,
laggards, close."""

import asyncio
import contextlib

import pytest

from adapters.redis import keys
from adapters.redis.event_bus import RedisEventBus
from domain.model.events import BusMessage, ChannelEvent, EventId, HistoryGap
from ports.errors import SubscriptionClosed
from ports.event_bus import HISTORY_SIZE, Subscription
from tests.contract.backends import Backend
from tests.contract.redis_backends import RedisBackend


def message(n: int, channel: str = "alerts") -> BusMessage:
    return BusMessage(channel=channel, type="tick", payload={"n": n, "nested": {"ok": True}})


async def receive(subscription: Subscription, count: int) -> list[ChannelEvent | HistoryGap]:
    received: list[ChannelEvent | HistoryGap] = []
    for _ in range(count):
        delivery = await subscription.receive(timeout_seconds=2)
        assert delivery is not None, f"only {len(received)} of {count} deliveries came"
        received.append(delivery)
    return received


def messages(deliveries: list[ChannelEvent | HistoryGap]) -> list[BusMessage]:
    assert all(isinstance(d, ChannelEvent) for d in deliveries), deliveries
    return [d.message for d in deliveries if isinstance(d, ChannelEvent)]


async def publish(backend: Backend, numbers: range, channel: str = "alerts") -> list[EventId]:
    return [await backend.bus().publish(message(n, channel)) for n in numbers]


async def test_messages_arrive_once_in_publish_order_with_their_ids(backend: Backend) -> None:
    async with backend.bus().subscribe("alerts") as subscription:
        ids = await publish(backend, range(50))
        received = await receive(subscription, 50)
        extra = await subscription.receive(timeout_seconds=0.05)

    assert messages(received) == [message(n) for n in range(50)]
    assert [event.id for event in received if isinstance(event, ChannelEvent)] == ids
    assert ids == sorted(set(ids)), "the ids of a channel only grow"
    assert extra is None


async def test_every_subscriber_of_the_channel_receives(backend: Backend) -> None:
    async with (
        backend.bus().subscribe("alerts") as one,
        backend.bus().subscribe("alerts") as two,
        backend.bus().subscribe("other") as elsewhere,
    ):
        await backend.bus().publish(message(1))

        assert messages(await receive(one, 1)) == [message(1)]
        assert messages(await receive(two, 1)) == [message(1)]
        assert await elsewhere.receive(timeout_seconds=0.05) is None


async def test_nothing_published_before_subscribing_is_delivered(backend: Backend) -> None:
    await backend.bus().publish(message(0))

    async with backend.bus().subscribe("alerts") as subscription:
        await backend.bus().publish(message(1))
        assert messages(await receive(subscription, 1)) == [message(1)]
        assert await subscription.receive(timeout_seconds=0.05) is None


async def test_a_subscriber_after_an_id_gets_what_followed_it_then_live_ones(
    backend: Backend,
) -> None:
    ids = await publish(backend, range(10))

    async with backend.bus().subscribe("alerts", after=ids[3]) as subscription:
        await publish(backend, range(10, 12))
        received = await receive(subscription, 8)
        extra = await subscription.receive(timeout_seconds=0.05)

    assert messages(received) == [message(n) for n in range(4, 12)], "in order, none twice"
    assert extra is None


async def test_a_subscriber_after_the_newest_id_gets_only_live_events(backend: Backend) -> None:
    ids = await publish(backend, range(3))

    async with backend.bus().subscribe("alerts", after=ids[-1]) as subscription:
        assert await subscription.receive(timeout_seconds=0.05) is None
        await publish(backend, range(3, 4))
        assert messages(await receive(subscription, 1)) == [message(3)]


async def test_an_id_the_history_never_gave_is_a_gap_then_live_events(backend: Backend) -> None:
    ids = await publish(backend, range(3))
    foreign = EventId(ids[-1].millis + 10**9, 0)

    async with backend.bus().subscribe("alerts", after=foreign) as subscription:
        first = await subscription.receive(timeout_seconds=2)
        await publish(backend, range(3, 4))
        then = await receive(subscription, 1)

    assert first == HistoryGap(ids[-1])
    assert messages(then) == [message(3)]


async def test_an_id_older_than_the_history_but_never_trimmed_is_a_gap(backend: Backend) -> None:
    """No entry was ever dropped, yet the id is older than the oldest kept: the history never
    gave it (it is from a history that was lost, or from elsewhere)."""
    ids = await publish(backend, range(3))
    before = EventId(ids[0].millis - 1, 0)

    async with backend.bus().subscribe("alerts", after=before) as subscription:
        first = await subscription.receive(timeout_seconds=2)
        assert await subscription.receive(timeout_seconds=0.05) is None

    assert first == HistoryGap(ids[-1])


async def test_a_client_starting_from_0_0_gets_a_gap(backend: Backend) -> None:
    """0-0 is no event: no history can prove that a client who says so missed nothing."""
    ids = await publish(backend, range(2))

    async with backend.bus().subscribe("alerts", after=EventId.ORIGIN) as subscription:
        first = await subscription.receive(timeout_seconds=2)

    assert first == HistoryGap(ids[-1])


async def test_an_id_from_before_the_history_was_lost_is_a_gap(backend: Backend) -> None:
    if not isinstance(backend, RedisBackend):
        pytest.skip("the in-process history is never lost")
    ids = await publish(backend, range(1, 4))
    await backend.flush()
    [after_the_loss] = await publish(backend, range(4, 5))

    async with backend.bus().subscribe("alerts", after=ids[0]) as subscription:
        first = await subscription.receive(timeout_seconds=2)
        await publish(backend, range(5, 6))
        then = await receive(subscription, 1)

    assert first == HistoryGap(after_the_loss), "e2 and e3 are gone: say so"
    assert messages(then) == [message(5)]


async def test_closing_1000_subscriptions_at_once_leaves_no_channel_subscribed(
    backend: Backend,
) -> None:
    """Subscriptions to 1,000 distinct channels end together: their Redis subscriptions are
    released (in batches: one UNSUBSCRIBE for many channels)."""
    if not isinstance(backend, RedisBackend):
        pytest.skip("no server-side subscriptions in this process")
    bus = backend.bus()
    channels = [f"c{n}" for n in range(1_000)]
    async with contextlib.AsyncExitStack() as subscriptions:
        for start in range(0, len(channels), 500):
            await asyncio.gather(
                *(
                    subscriptions.enter_async_context(bus.subscribe(channel))
                    for channel in channels[start : start + 500]
                )
            )
        assert await subscribed(backend) == 1_000

    async with asyncio.timeout(2):
        while await subscribed(backend):  # noqa: ASYNC110 - the server's state: no event
            await asyncio.sleep(0.05)


async def test_a_channel_left_and_followed_again_before_the_batch_goes_out_still_delivers(
    backend: Backend,
) -> None:
    """Channels left are unsubscribed in the background, in batches. While a batch is out, a
    channel can be left and followed again: the next batch then names a channel Redis has
    just been told to SUBSCRIBE to again, and must not unsubscribe it. That state is set up
    here directly (the interleaving needs a batch in flight at the right moment)."""
    if not isinstance(backend, RedisBackend):
        pytest.skip("no server-side subscriptions in this process")
    bus = backend.bus()
    assert isinstance(bus, RedisEventBus)
    async with bus.subscribe("again") as subscription:
        bus._leaving.add("again")  # left while a batch was out, and followed again since
        await bus.leave_now()
        await backend.bus().publish(message(1, "again"))

        assert messages(await receive(subscription, 1)) == [message(1, "again")]


async def subscribed(backend: RedisBackend) -> int:
    return len(await backend.channels(keys.channel("*")))


async def test_events_no_longer_kept_are_a_gap_then_only_newer_ones(backend: Backend) -> None:
    ids = await publish(backend, range(HISTORY_SIZE + 5))

    async with backend.bus().subscribe("alerts", after=ids[2]) as subscription:
        first = await subscription.receive(timeout_seconds=2)
        assert await subscription.receive(timeout_seconds=0.05) is None
        await publish(backend, range(HISTORY_SIZE + 5, HISTORY_SIZE + 6))
        then = await receive(subscription, 1)

    assert first == HistoryGap(ids[-1]), "start over from the newest event kept"
    assert messages(then) == [message(HISTORY_SIZE + 5)]


async def test_the_kept_history_replays_whole_from_before_its_oldest(backend: Backend) -> None:
    ids = await publish(backend, range(HISTORY_SIZE + 2))

    async with backend.bus().subscribe("alerts", after=ids[1]) as subscription:
        received = await receive(subscription, HISTORY_SIZE)
        extra = await subscription.receive(timeout_seconds=0.05)

    assert messages(received) == [message(n) for n in range(2, HISTORY_SIZE + 2)]
    assert extra is None


async def test_a_subscriber_that_lags_too_far_behind_gets_a_gap(backend: Backend) -> None:
    async with backend.bus().subscribe("alerts") as subscription:
        ids = await publish(backend, range(HISTORY_SIZE + 5))
        first = await subscription.receive(timeout_seconds=2)
        rest: list[ChannelEvent | HistoryGap] = []
        while (delivery := await subscription.receive(timeout_seconds=0.2)) is not None:
            rest.append(delivery)

    assert isinstance(first, HistoryGap), "not a thousand stale events"
    assert first.latest is not None
    assert [event.id for event in messages_of(rest)] == [i for i in ids if i > first.latest]
    assert messages(rest)[-1:] == [message(HISTORY_SIZE + 4)], "live again after it"


def messages_of(deliveries: list[ChannelEvent | HistoryGap]) -> list[ChannelEvent]:
    assert all(isinstance(d, ChannelEvent) for d in deliveries), deliveries
    return [d for d in deliveries if isinstance(d, ChannelEvent)]


async def test_channels_keep_separate_histories(backend: Backend) -> None:
    ours = await publish(backend, range(2))
    await publish(backend, range(5), channel="other")

    async with backend.bus().subscribe("alerts", after=ours[0]) as subscription:
        received = await receive(subscription, 1)
        assert await subscription.receive(timeout_seconds=0.05) is None

    assert messages(received) == [message(1)]


async def test_closing_the_bus_ends_subscriptions(backend: Backend) -> None:
    bus = backend.bus()
    async with bus.subscribe("alerts") as subscription:
        await bus.close()
        with pytest.raises(SubscriptionClosed):
            await subscription.receive(timeout_seconds=2)
