"""`LedgerFeed` contract: a consumer group over the coupons the ledger issues."""

import asyncio

import pytest

from adapters.ledger_entries import FEED_PARTITIONS, entry_fields
from domain.model.coupons import IssuedCoupon
from domain.model.identity import UserId
from tests.contract.backends import Backend
from tests.support.clock import START
from tests.support.coupons import open_event

NO_BLOCKING_READS = "this backend answers an empty blocking XREADGROUP at once (fakeredis)"


async def issue(backend: Backend, event_id: int, users: range) -> None:
    for n in users:
        await backend.coupons().claim_atomically(
            event_id, UserId(f"u{n}"), claim_token=f"t{n}", claimed_at=START
        )


async def test_entries_go_oldest_first_each_to_one_consumer(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=100)
    await issue(backend, event.id, range(10))
    feed = backend.ledger_feed()

    first = await feed.read("a", count=4, block_seconds=0)
    second = await backend.ledger_feed().read("b", count=100, block_seconds=0)

    numbers = [e.issue.coupon_id for e in [*first, *second] if e.issue is not None]
    assert numbers == list(range(1, 11))
    assert len(first) == 4
    assert first[0].issue == IssuedCoupon(
        event_id=event.id, coupon_id=1, user_id=UserId("u0"), claimed_at=START
    )
    assert list(await feed.read("c", count=100, block_seconds=0)) == []


async def test_concurrent_consumers_share_the_entries_without_overlap(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=500)
    await asyncio.gather(
        *(
            backend.coupons().claim_atomically(
                event.id, UserId(f"u{n}"), claim_token=f"t{n}", claimed_at=START
            )
            for n in range(300)
        )
    )

    async def consume(name: str) -> list[str]:
        feed, taken = backend.ledger_feed(), list[str]()
        while batch := await feed.read(name, count=7, block_seconds=0):
            taken.extend(entry.entry_id for entry in batch)
        return taken

    takes = await asyncio.gather(*(consume(f"c{n}") for n in range(4)))

    every = [entry_id for taken in takes for entry_id in taken]
    assert len(every) == len(set(every)) == 300


async def test_a_read_waits_for_the_next_entry(backend: Backend) -> None:
    if not backend.blocking_reads_wait:
        pytest.skip(NO_BLOCKING_READS)
    event = await open_event(backend.coupons(), quantity=10)
    feed = backend.ledger_feed()
    await feed.read("warm-up", count=1, block_seconds=0)

    waiting = asyncio.create_task(feed.read("a", count=10, block_seconds=1.0))
    await asyncio.sleep(0.05)  # NOTE: lets the read start blocking; the result does not rely on it
    await issue(backend, event.id, range(1))

    assert [e.issue.user_id for e in await waiting if e.issue is not None] == ["u0"]


@pytest.mark.parametrize("events", [0, 1], ids=["before-any-event", "nothing-unread"])
async def test_a_read_with_nothing_to_read_waits_its_block_time(
    backend: Backend, events: int
) -> None:
    # NOTE: a lower bound, not a speed goal: returning at once made every idle worker spin.
    if events and not backend.blocking_reads_wait:
        pytest.skip(NO_BLOCKING_READS)
    for _ in range(events):
        await open_event(backend.coupons(), quantity=10)
    feed, clock = backend.ledger_feed(), asyncio.get_running_loop().time

    started = clock()
    taken = await feed.read("idle", count=10, block_seconds=0.2)

    assert list(taken) == []
    assert clock() - started >= 0.19


async def test_unacknowledged_entries_are_pending_and_can_be_taken_over(
    backend: Backend,
) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    await issue(backend, event.id, range(3))
    feed = backend.ledger_feed()
    taken = await feed.read("dead", count=10, block_seconds=0)

    assert list(await feed.reclaim("alive", idle_seconds=3600, count=10)) == [], "not idle yet"
    backlog = await feed.backlog()
    assert (backlog.pending, backlog.unread) == (3, 0)
    reclaimed = await feed.reclaim("alive", idle_seconds=0, count=2)
    assert [e.entry_id for e in reclaimed] == [e.entry_id for e in taken[:2]]
    await feed.acknowledge(reclaimed)

    backlog = await feed.backlog()
    assert (backlog.pending, backlog.unread) == (1, 0)
    assert await feed.in_flight(event.id) == 1


async def test_acknowledged_entries_are_done_and_the_backlog_empties(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    other = await open_event(backend.coupons(), quantity=10)
    await issue(backend, event.id, range(4))
    await issue(backend, other.id, range(2))
    feed = backend.ledger_feed()

    before = await feed.backlog()
    taken = await feed.read("a", count=100, block_seconds=0)
    await feed.acknowledge(taken)
    await feed.acknowledge(taken)  # idempotent

    assert (before.pending, before.unread) == (0, 6)
    after = await feed.backlog()
    assert after.empty
    assert after.lag_seconds == 0
    assert (await feed.in_flight(event.id), await feed.in_flight(other.id)) == (0, 0)
    assert list(await feed.reclaim("b", idle_seconds=0, count=100)) == []


async def test_the_lag_is_the_age_of_the_oldest_entry_not_acknowledged(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    coupon = IssuedCoupon(event_id=event.id, coupon_id=1, user_id=UserId("u1"), claimed_at=START)
    await backend.append_to_feed(event.id, entry_fields(coupon), age_seconds=30)
    feed = backend.ledger_feed()

    waiting = await feed.backlog()
    await feed.acknowledge(await feed.read("a", count=10, block_seconds=0))

    assert 30 <= waiting.lag_seconds < 40, waiting
    assert (await feed.backlog()).lag_seconds == 0


async def test_a_poison_entry_is_reported_parked_and_never_blocks_the_next(
    backend: Backend,
) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    await issue(backend, event.id, range(1))
    await backend.append_to_feed(event.id, {"event": str(event.id), "coupon": "many"})
    await issue(backend, event.id, range(1, 2))
    feed = backend.ledger_feed()

    first, poison, last = await feed.read("a", count=10, block_seconds=0)
    await feed.park(poison, poison.problem)
    await feed.park(poison, poison.problem)  # a retried park parks once
    await feed.acknowledge([first, last])

    assert first.issue is not None
    assert last.issue is not None
    assert poison.issue is None
    assert "missing fields: at, user" in poison.problem
    assert poison.raw == {"event": str(event.id), "coupon": "many"}
    assert await backend.dead_letters(event.id) == [poison.problem]
    assert (await feed.backlog()).empty


async def test_an_entry_in_another_events_partition_is_poison(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    stray = str(event.id + 1)  # the next event: always another partition
    fields = {"event": stray, "coupon": "1", "user": "u", "at": "1795600000000"}
    await backend.append_to_feed(event.id, fields)

    (entry,) = await backend.ledger_feed().read("a", count=10, block_seconds=0)

    assert entry.issue is None
    assert f"event '{stray}' does not belong in feed partition" in entry.problem


async def test_the_feed_drops_only_what_was_acknowledged(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    await issue(backend, event.id, range(6))
    feed = backend.ledger_feed()
    taken = await feed.read("a", count=5, block_seconds=0)

    await feed.acknowledge(taken[:3])
    assert await backend.feed_length(event.id) == 3, "2 pending and 1 unread are kept"

    await feed.acknowledge(taken[3:])
    assert await backend.feed_length(event.id) in {1, 2}, "the unread one is kept"
    (last,) = await feed.read("a", count=5, block_seconds=0)
    assert last.issue is not None
    assert last.issue.coupon_id == 6
    await feed.acknowledge([last])
    assert await backend.feed_length(event.id) <= 1, "a stream may keep its last entry"


async def test_idle_consumers_holding_nothing_are_forgotten(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    await issue(backend, event.id, range(2))
    feed = backend.ledger_feed()
    done = await feed.read("done", count=1, block_seconds=0)
    await feed.acknowledge(done)
    (held,) = await feed.read("holding", count=1, block_seconds=0)

    assert await feed.forget_idle_consumers(3600) == 0, "not idle long enough"
    assert await feed.forget_idle_consumers(0) == 1, "only the one holding nothing"
    assert await feed.forget_idle_consumers(0) == 0

    taken = await feed.reclaim("heir", idle_seconds=0, count=10)
    assert [entry.entry_id for entry in taken] == [held.entry_id], "its entry is still pending"


async def test_what_the_feed_costs_does_not_grow_with_the_events_ever_opened(
    backend: Backend,
) -> None:
    if await backend.commands_run() is None:
        pytest.skip("this backend keeps no count of the commands it runs")
    feed = backend.ledger_feed()

    async def one_of_each() -> int:
        before = await backend.commands_run()
        await feed.read("w", count=10, block_seconds=0)
        await feed.reclaim("w", idle_seconds=60, count=10)
        await feed.backlog()
        await feed.forget_idle_consumers(600)
        after = await backend.commands_run()
        assert before is not None
        assert after is not None
        return after - before

    async def sell_out(events: int) -> None:
        for _ in range(events):
            event = await open_event(backend.coupons(), quantity=1)
            await issue(backend, event.id, range(1))
        while taken := await feed.read("w", count=100, block_seconds=0):
            await feed.acknowledge(taken)
        assert (await feed.backlog()).empty

    # NOTE: every partition written once first: an empty stream is cheaper to settle (the
    # commands inside the scripts count), whatever the events.
    await sell_out(FEED_PARTITIONS)
    before = await one_of_each()
    await sell_out(3 * FEED_PARTITIONS)

    # NOTE: a settle reads one more entry (XRANGE) in a partition where Redis cannot tell a
    # group's lag (trimmed entries): up to one per partition, whatever the events. A cost per
    # event would add at least 48 here.
    assert abs(await one_of_each() - before) <= FEED_PARTITIONS


async def test_a_read_hands_out_at_most_count_and_the_rest_on_the_next(backend: Backend) -> None:
    events = [await open_event(backend.coupons(), quantity=10) for _ in range(3)]
    for event in events:
        await issue(backend, event.id, range(4))
    feed = backend.ledger_feed()

    batches = []
    while batch := await feed.read("a", count=5, block_seconds=0):
        batches.append(batch)

    assert [len(batch) for batch in batches] == [5, 5, 2]
    taken = [entry.issue for batch in batches for entry in batch if entry.issue is not None]
    for event in events:
        numbers = [issue.coupon_id for issue in taken if issue.event_id == event.id]
        assert numbers == [1, 2, 3, 4], "an event's entries oldest first, each once"


async def test_in_flight_counts_one_event_even_where_events_share_a_partition(
    backend: Backend,
) -> None:
    events = [await open_event(backend.coupons(), quantity=10) for _ in range(FEED_PARTITIONS + 1)]
    first, same_partition = events[0], events[FEED_PARTITIONS]
    await issue(backend, first.id, range(3))
    await issue(backend, same_partition.id, range(2))
    feed = backend.ledger_feed()
    taken = await feed.read("a", count=2, block_seconds=0)  # 2 pending, 3 unread

    assert (await feed.in_flight(first.id), await feed.in_flight(same_partition.id)) == (3, 2)
    await feed.acknowledge(taken)
    assert await feed.in_flight(first.id) + await feed.in_flight(same_partition.id) == 3
