"""In-memory `LedgerFeed`: the entries of every event in one ordered log, and one consumer
group over it, idle times on the injected `Clock`."""

import asyncio
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from adapters.inmemory.round_trip import round_trip
from adapters.ledger_entries import entry_fields, feed_entry, feed_partition
from domain.model.coupons import IssuedCoupon
from domain.model.ledger import Backlog, FeedEntry
from ports.clock import Clock
from ports.ledger_feed import LedgerFeed


@dataclass(slots=True)
class _Entry:
    partition: int
    fields: dict[str, str]
    appended_at: float
    consumer: str | None = None  # None: unread
    delivered_at: float = 0.0


class InMemoryLedgerFeed(LedgerFeed):
    """`append` is called by the in-memory ledger in the same step as its write. Entries are
    kept until acknowledged (then dropped: everyone has); parked ones in `dead_letters`.

    The partitions of the Redis feed are one log here (nothing is per event either way), but
    each entry keeps the partition it was appended to, read as Redis reads it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._ids = itertools.count(1)
        self._entries: dict[str, _Entry] = {}  # unacknowledged, in order of appending
        self._arrived = asyncio.Event()
        self._consumers: dict[str, float] = {}  # name -> when it last read
        self.dead_letters: list[tuple[FeedEntry, str]] = []

    def append(self, coupon: IssuedCoupon) -> None:
        self.append_fields(coupon.event_id, entry_fields(coupon))

    def append_fields(
        self, event_id: int, fields: Mapping[str, str], *, age_seconds: float = 0.0
    ) -> None:
        """Any fields at all, appended to the partition of `event_id` `age_seconds` ago (tests
        write poison entries, and entries a worker has kept waiting)."""
        entry_id = f"{next(self._ids)}"
        appended_at = self._clock.timestamp() - age_seconds
        self._entries[entry_id] = _Entry(feed_partition(event_id), dict(fields), appended_at)
        self._arrived.set()

    async def read(self, consumer: str, *, count: int, block_seconds: float) -> Sequence[FeedEntry]:
        await round_trip()
        taken = self._deliver(consumer, count)
        if taken or block_seconds <= 0:
            return taken
        self._arrived.clear()
        try:
            await asyncio.wait_for(self._arrived.wait(), block_seconds)
        except TimeoutError:
            return []
        return self._deliver(consumer, count)

    def _deliver(self, consumer: str, count: int) -> list[FeedEntry]:
        self._consumers[consumer] = self._clock.timestamp()
        unread = [key for key, entry in self._entries.items() if entry.consumer is None]
        return [self._hand(key, consumer) for key in unread[:count]]

    def _hand(self, entry_id: str, consumer: str) -> FeedEntry:
        entry = self._entries[entry_id]
        entry.consumer, entry.delivered_at = consumer, self._clock.timestamp()
        return feed_entry(entry.partition, entry_id, entry.fields)

    async def reclaim(
        self, consumer: str, *, idle_seconds: float, count: int
    ) -> Sequence[FeedEntry]:
        await round_trip()
        now = self._clock.timestamp()
        self._consumers[consumer] = now
        idle = [
            key
            for key, entry in self._entries.items()
            if entry.consumer is not None and now - entry.delivered_at >= idle_seconds
        ]
        return [self._hand(key, consumer) for key in idle[:count]]

    async def acknowledge(self, entries: Sequence[FeedEntry]) -> None:
        await round_trip()
        for entry in entries:
            held = self._entries.get(entry.entry_id)
            if held is not None and held.consumer is not None:
                del self._entries[entry.entry_id]

    async def park(self, entry: FeedEntry, reason: str) -> None:
        await round_trip()
        if self._entries.pop(entry.entry_id, None) is not None:
            self.dead_letters.append((entry, reason))

    async def backlog(self) -> Backlog:
        await round_trip()
        pending = sum(1 for entry in self._entries.values() if entry.consumer is not None)
        oldest = min((entry.appended_at for entry in self._entries.values()), default=None)
        lag = 0.0 if oldest is None else max(0.0, self._clock.timestamp() - oldest)
        return Backlog(pending=pending, unread=len(self._entries) - pending, lag_seconds=lag)

    async def in_flight(self, event_id: int) -> int:
        await round_trip()
        return sum(
            1 for entry in self._entries.values() if entry.fields.get("event") == str(event_id)
        )

    async def forget_idle_consumers(self, idle_seconds: float) -> int:
        await round_trip()
        now = self._clock.timestamp()
        holding = {entry.consumer for entry in self._entries.values()}
        gone = [
            name
            for name, seen in self._consumers.items()
            if name not in holding and now - seen >= idle_seconds
        ]
        for name in gone:
            del self._consumers[name]
        return len(gone)
