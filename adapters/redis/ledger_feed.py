"""Redis `LedgerFeed`: `FEED_PARTITIONS` streams (the claim scripts `XADD` to their event's
partition), one consumer group (`archive`) on each, read with `XREADGROUP`, taken over with
`XAUTOCLAIM`."""

import asyncio
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from redis import exceptions

from adapters.ledger_entries import FEED_PARTITIONS, feed_entry, feed_partition
from adapters.redis import keys
from adapters.redis.client import RedisConnector
from adapters.redis.coupon_ledger import LEDGER_GROUP
from domain.model.ledger import Backlog, FeedEntry
from ports.ledger_feed import LedgerFeed

_PARTITIONS: Final = range(FEED_PARTITIONS)
_PARTITION_OF: Final = {keys.coupon_feed(p): p for p in _PARTITIONS}
SWEEP_SECONDS: Final = 0.2
"""On a cluster, how often a read waiting for entries reads every partition again."""


class RedisLedgerFeed(LedgerFeed):
    """Every call costs the same whatever the number of events ever opened: it touches the
    partitions, never a list of events (there is none to read).

    - read: one `XREADGROUP ... BLOCK` over every partition; on a cluster, where the
      partitions live in different slots and one command may not span two, each partition is
      read in turn without blocking, again every `SWEEP_SECONDS` until something is found or
      the block time is over. A partition without its group (flushed, or never written)
      answers NOGROUP: the groups are created and the read repeated;
    - reclaim: `XAUTOCLAIM` per partition;
    - acknowledge and backlog: `ledger_settle.lua` per partition (XACK, XTRIM below every
      group's floor, then pending, unread and the oldest entry's age on the server's clock);
    - park: `ledger_park.lua` (XACK + XADD to the partition's dead letters);
    - in_flight: `ledger_in_flight.lua` on the event's partition (reads what is in flight);
    - forget idle consumers: `ledger_forget.lua` per partition (XINFO CONSUMERS +
      DELCONSUMER in one step, so no read lands between the check and the deletion).
    An entry's id is `<partition>:<stream entry id>`.
    `max_block_seconds` keeps a blocking read inside the client's socket timeout.
    """

    def __init__(self, connector: RedisConnector, *, max_block_seconds: float) -> None:
        self._connector = connector
        self._redis = connector.client
        self._max_block_seconds = max_block_seconds
        self._settle = connector.script("ledger_settle")
        self._park = connector.script("ledger_park")
        self._forget = connector.script("ledger_forget")
        self._count = connector.script("ledger_in_flight")
        self._create_group = connector.script("ledger_group")
        self._held: dict[str, list[FeedEntry]] = {}
        self._next_partition = 0

    async def read(self, consumer: str, *, count: int, block_seconds: float) -> Sequence[FeedEntry]:
        held = self._held.pop(consumer, [])
        if not held:
            block_ms = int(min(block_seconds, self._max_block_seconds) * 1000)
            if self._connector.cluster is not None:
                held = await self._sweep(consumer, count=count, block_ms=block_ms)
            else:
                streams: dict[Any, Any] = {keys.coupon_feed(p): ">" for p in _PARTITIONS}
                with self._connector.errors():
                    reply = await self._read(consumer, streams, count=count, block_ms=block_ms)
                held = [e for stream, found in _streams(reply) for e in _entries(stream, found)]
        # NOTE: XREADGROUP's COUNT is per stream: what is beyond `count` is the consumer's
        # already (pending), and is handed out by its next read.
        if len(held) > count:
            self._held[consumer] = held[count:]
        return held[:count]

    async def _read(
        self, consumer: str, streams: dict[Any, Any], *, count: int, block_ms: int
    ) -> Any:
        """One XREADGROUP; after NOGROUP, the groups are created and the read repeated."""
        try:
            return await self._redis.xreadgroup(
                LEDGER_GROUP, consumer, streams, count=count, block=block_ms or None
            )
        except exceptions.ResponseError as error:
            if not _no_group(error):
                raise
            for stream in streams:
                await self._create_group(keys=[stream], args=[LEDGER_GROUP])
            return await self._redis.xreadgroup(
                LEDGER_GROUP, consumer, streams, count=count, block=block_ms or None
            )

    async def _sweep(self, consumer: str, *, count: int, block_ms: int) -> list[FeedEntry]:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + block_ms / 1000
        while True:
            found: list[FeedEntry] = []
            # NOTE: from a different partition each time, so that a busy one cannot starve
            # the ones after it.
            first, self._next_partition = self._next_partition, self._next_partition + 1
            with self._connector.errors():
                for n in _PARTITIONS:
                    stream = keys.coupon_feed((first + n) % FEED_PARTITIONS)
                    reply = await self._read(
                        consumer, {stream: ">"}, count=count - len(found), block_ms=0
                    )
                    found += [e for name, got in _streams(reply) for e in _entries(name, got)]
                    if len(found) >= count:
                        break
            remaining = give_up_at - loop.time()
            if found or remaining <= 0:
                return found
            await asyncio.sleep(min(SWEEP_SECONDS, remaining))
            if loop.time() >= give_up_at:
                # NOTE: no last sweep: the caller's next read starts with one (it was two
                # sweeps per read, 157 XREADGROUP a second at rest instead of 80).
                return []

    async def reclaim(
        self, consumer: str, *, idle_seconds: float, count: int
    ) -> Sequence[FeedEntry]:
        taken: list[FeedEntry] = []
        with self._connector.errors():
            for partition in _PARTITIONS:
                stream = keys.coupon_feed(partition)
                try:
                    reply = await self._redis.xautoclaim(
                        stream,
                        LEDGER_GROUP,
                        consumer,
                        int(idle_seconds * 1000),
                        "0-0",
                        count=count - len(taken),
                    )
                except exceptions.ResponseError as error:
                    if _no_group(error):
                        continue  # nothing was ever read from it: nothing to take over
                    raise
                taken.extend(_entries(stream, reply[1]))
                if len(taken) >= count:
                    break
        return taken

    async def acknowledge(self, entries: Sequence[FeedEntry]) -> None:
        by_partition: dict[int, list[str]] = {}
        for entry in entries:
            partition, stream_id = _split(entry.entry_id)
            by_partition.setdefault(partition, []).append(stream_id)
        with self._connector.errors():
            for partition, ids in by_partition.items():
                await self._settle(keys=[keys.coupon_feed(partition)], args=[LEDGER_GROUP, *ids])

    async def park(self, entry: FeedEntry, reason: str) -> None:
        partition, stream_id = _split(entry.entry_id)
        with self._connector.errors():
            await self._park(
                keys=[keys.coupon_feed(partition), keys.coupon_dead_letters(partition)],
                args=[LEDGER_GROUP, stream_id, reason, json.dumps(dict(entry.raw)), entry.event_id],
            )

    async def backlog(self) -> Backlog:
        pending = unread = 0
        lag_ms = 0
        with self._connector.errors():
            for partition in _PARTITIONS:
                waiting, new, oldest_ms, now_ms = await self._settle(
                    keys=[keys.coupon_feed(partition)], args=[LEDGER_GROUP]
                )
                pending, unread = pending + int(waiting), unread + int(new)
                if int(oldest_ms) >= 0:
                    lag_ms = max(lag_ms, int(now_ms) - int(oldest_ms))
        return Backlog(pending=pending, unread=unread, lag_seconds=max(0, lag_ms) / 1000)

    async def in_flight(self, event_id: int) -> int:
        with self._connector.errors():
            return int(
                await self._count(
                    keys=[keys.coupon_feed_of(event_id)], args=[LEDGER_GROUP, event_id]
                )
            )

    async def forget_idle_consumers(self, idle_seconds: float) -> int:
        deleted: set[bytes] = set()
        kept: set[bytes] = set()
        with self._connector.errors():
            for partition in _PARTITIONS:
                gone, stay = await self._forget(
                    keys=[keys.coupon_feed(partition)],
                    args=[LEDGER_GROUP, int(idle_seconds * 1000)],
                )
                deleted.update(gone)
                kept.update(stay)
        # NOTE: a consumer is in the group of every partition it has read; it is forgotten
        # when no partition keeps it (holding an entry there, or reading lately).
        return len(deleted - kept)

    async def dead_letters(self, event_id: int) -> list[dict[str, str]]:
        """The parked entries of an event, oldest first (for operators and tests)."""
        with self._connector.errors():
            entries: Any = await self._redis.xrange(
                keys.coupon_dead_letters(feed_partition(event_id))
            )
        parked = [_text_fields(fields) or {} for _, fields in entries]
        return [fields for fields in parked if fields.get("event") == str(event_id)]


def _no_group(error: exceptions.ResponseError) -> bool:
    """A stream without its group, or no stream at all (fakeredis words that one as XGROUP's
    "requires the key to exist")."""
    return "NOGROUP" in str(error) or "requires the key to exist" in str(error)


def _split(entry_id: str) -> tuple[int, str]:
    partition, _, stream_id = entry_id.partition(":")
    return int(partition), stream_id


def _streams(reply: Any) -> Iterator[tuple[bytes, Any]]:
    """(stream, entries) from an XREADGROUP reply (RESP3: a map; RESP2: a list of pairs)."""
    pairs = reply.items() if isinstance(reply, dict) else (reply or ())
    for stream, found in pairs:
        # NOTE: redis-py wraps a RESP3 stream's entries in one more list.
        if found and isinstance(found[0], list):
            found = found[0]
        yield stream, found


def _entries(stream: bytes | str, found: Iterable[Any]) -> list[FeedEntry]:
    partition = _PARTITION_OF[stream.decode() if isinstance(stream, bytes) else stream]
    entries = []
    for stream_id, fields in found:
        text_id = f"{partition}:{stream_id.decode() if isinstance(stream_id, bytes) else stream_id}"
        decoded = _text_fields(fields)
        if decoded is None:
            entries.append(
                FeedEntry(
                    event_id=0,
                    entry_id=text_id,
                    issue=None,
                    raw={"fields": repr(fields)[:500]},
                    problem="the fields are not UTF-8 text",
                )
            )
        else:
            entries.append(feed_entry(partition, text_id, decoded))
    return entries


def _text_fields(fields: Any) -> dict[str, str] | None:
    try:
        return {name.decode(): value.decode() for name, value in (fields or {}).items()}
    except UnicodeDecodeError:
        return None
