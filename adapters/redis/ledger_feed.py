"""Redis `LedgerFeed`: one stream per coupon event (`XADD` by the claim scripts), one consumer
group (`archive`) over all of them, read with `XREADGROUP`, taken over with `XAUTOCLAIM`."""

import asyncio
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from redis import exceptions

from adapters.ledger_entries import feed_entry
from adapters.redis import keys
from adapters.redis.client import RedisConnector
from adapters.redis.coupon_ledger import LEDGER_GROUP
from domain.model.ledger import Backlog, FeedEntry
from ports.ledger_feed import LedgerFeed

_PREFIX: Final = keys.coupon_ledger(0).split("{")[0]
SWEEP_SECONDS: Final = 0.1
"""On a cluster, how often a read waiting for entries reads every stream again."""


class RedisLedgerFeed(LedgerFeed):
    """Streams are found through the set of registered events (`coupon_ledgers`).

    - read: one `XREADGROUP ... BLOCK` over every registered stream. A stream without its
      group (deleted by hand, then written again) answers NOGROUP: the groups are created
      again and the read repeated;
    - reclaim: `XAUTOCLAIM` per stream;
    - acknowledge and backlog: `ledger_settle.lua` per stream (XACK, XTRIM below every group's
      floor, then pending, unread and the oldest entry's age on the server's clock);
    - park: `ledger_park.lua` (XACK + XADD to the dead letters);
    - forget idle consumers: `ledger_forget.lua` per stream (XINFO CONSUMERS + DELCONSUMER
      in one step, so no read lands between the check and the deletion).
    `max_block_seconds` keeps a blocking read inside the client's socket timeout.
    """

    def __init__(self, connector: RedisConnector, *, max_block_seconds: float) -> None:
        self._connector = connector
        self._redis = connector.client
        self._max_block_seconds = max_block_seconds
        self._settle = connector.script("ledger_settle")
        self._park = connector.script("ledger_park")
        self._forget = connector.script("ledger_forget")
        self._create_group = connector.script("ledger_group")

    async def read(self, consumer: str, *, count: int, block_seconds: float) -> Sequence[FeedEntry]:
        block_ms = int(min(block_seconds, self._max_block_seconds) * 1000)
        with self._connector.errors():
            events = await self._events()
        if not events:
            # NOTE: no feed to block on: wait as XREADGROUP would have, else an idle worker spins
            # (it did: a core's worth of SMEMBERS in every instance before the first event).
            await asyncio.sleep(block_ms / 1000)
            return []
        if self._connector.cluster is not None:
            return await self._read_each(events, consumer, count=count, block_ms=block_ms)
        with self._connector.errors():
            streams: dict[Any, Any] = {keys.coupon_ledger(event_id): ">" for event_id in events}
            reply = await self._read(events, consumer, streams, count=count, block_ms=block_ms)
        return [entry for stream, found in _streams(reply) for entry in _entries(stream, found)]

    async def _read(
        self,
        events: Sequence[int],
        consumer: str,
        streams: dict[Any, Any],
        *,
        count: int,
        block_ms: int,
    ) -> Any:
        """One XREADGROUP; after NOGROUP (a stream deleted and written again), the groups are
        created again and the read repeated."""
        try:
            return await self._redis.xreadgroup(
                LEDGER_GROUP, consumer, streams, count=count, block=block_ms or None
            )
        except exceptions.ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            await self._create_groups(events)
            return await self._redis.xreadgroup(
                LEDGER_GROUP, consumer, streams, count=count, block=block_ms or None
            )

    async def _read_each(
        self, events: Sequence[int], consumer: str, *, count: int, block_ms: int
    ) -> Sequence[FeedEntry]:
        """On a cluster each event's stream lives in its own slot, and one read may not span
        two: each stream is read in turn without blocking, again every `SWEEP_SECONDS` until
        something is found or the block time is over. (Its cost grows with the events
        registered: issue 20, item 3, measured with ops/feed_idle.py.)"""
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + block_ms / 1000
        while True:
            found: list[FeedEntry] = []
            with self._connector.errors():
                for event_id in events:
                    reply = await self._read(
                        [event_id],
                        consumer,
                        {keys.coupon_ledger(event_id): ">"},
                        count=count - len(found),
                        block_ms=0,
                    )
                    found += [e for name, got in _streams(reply) for e in _entries(name, got)]
                    if len(found) >= count:
                        break
            remaining = give_up_at - loop.time()
            if found or remaining <= 0:
                return found
            await asyncio.sleep(min(SWEEP_SECONDS, remaining))

    async def reclaim(
        self, consumer: str, *, idle_seconds: float, count: int
    ) -> Sequence[FeedEntry]:
        taken: list[FeedEntry] = []
        with self._connector.errors():
            for event_id in await self._events():
                stream = keys.coupon_ledger(event_id)
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
                    if "NOGROUP" in str(error):
                        continue  # nothing was ever read from it: nothing to take over
                    raise
                taken.extend(_entries(stream, reply[1]))
                if len(taken) >= count:
                    break
        return taken

    async def acknowledge(self, entries: Sequence[FeedEntry]) -> None:
        by_event: dict[int, list[str]] = {}
        for entry in entries:
            by_event.setdefault(entry.event_id, []).append(entry.entry_id)
        with self._connector.errors():
            for event_id, ids in by_event.items():
                await self._settle(keys=[keys.coupon_ledger(event_id)], args=[LEDGER_GROUP, *ids])

    async def park(self, entry: FeedEntry, reason: str) -> None:
        with self._connector.errors():
            await self._park(
                keys=[keys.coupon_ledger(entry.event_id), keys.coupon_dead_letters(entry.event_id)],
                args=[LEDGER_GROUP, entry.entry_id, reason, json.dumps(dict(entry.raw))],
            )

    async def backlog(self) -> Backlog:
        pending = unread = 0
        lag_ms = 0
        with self._connector.errors():
            for event_id in await self._events():
                waiting, new, oldest_ms, now_ms = await self._settle(
                    keys=[keys.coupon_ledger(event_id)], args=[LEDGER_GROUP]
                )
                pending, unread = pending + int(waiting), unread + int(new)
                if int(oldest_ms) >= 0:
                    lag_ms = max(lag_ms, int(now_ms) - int(oldest_ms))
        return Backlog(pending=pending, unread=unread, lag_seconds=max(0, lag_ms) / 1000)

    async def in_flight(self, event_id: int) -> int:
        with self._connector.errors():
            waiting, new, _, _ = await self._settle(
                keys=[keys.coupon_ledger(event_id)], args=[LEDGER_GROUP]
            )
        return int(waiting) + int(new)

    async def forget_idle_consumers(self, idle_seconds: float) -> int:
        forgotten = 0
        with self._connector.errors():
            for event_id in await self._events():
                forgotten += int(
                    await self._forget(
                        keys=[keys.coupon_ledger(event_id)],
                        args=[LEDGER_GROUP, int(idle_seconds * 1000)],
                    )
                )
        return forgotten

    async def dead_letters(self, event_id: int) -> list[dict[str, str]]:
        """The parked entries of an event, oldest first (for operators and tests)."""
        with self._connector.errors():
            entries: Any = await self._redis.xrange(keys.coupon_dead_letters(event_id))
        return [_text_fields(fields) or {} for _, fields in entries]

    async def _events(self) -> list[int]:
        members = await self._redis.smembers(keys.coupon_ledgers())
        return sorted(int(member) for member in members)

    async def _create_groups(self, events: Iterable[int]) -> None:
        for event_id in events:
            await self._create_group(keys=[keys.coupon_ledger(event_id)], args=[LEDGER_GROUP])


def _streams(reply: Any) -> Iterator[tuple[bytes, Any]]:
    """(stream, entries) from an XREADGROUP reply (RESP3: a map; RESP2: a list of pairs)."""
    pairs = reply.items() if isinstance(reply, dict) else (reply or ())
    for stream, found in pairs:
        # NOTE: redis-py wraps a RESP3 stream's entries in one more list.
        if found and isinstance(found[0], list):
            found = found[0]
        yield stream, found


def _entries(stream: bytes | str, found: Iterable[Any]) -> list[FeedEntry]:
    name = stream.decode() if isinstance(stream, bytes) else stream
    event_id = int(name[len(_PREFIX) :].partition("}")[0].lstrip("{"))
    entries = []
    for entry_id, fields in found:
        text_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        decoded = _text_fields(fields)
        if decoded is None:
            entries.append(
                FeedEntry(
                    event_id=event_id,
                    entry_id=text_id,
                    issue=None,
                    raw={"fields": repr(fields)[:500]},
                    problem="the fields are not UTF-8 text",
                )
            )
        else:
            entries.append(feed_entry(event_id, text_id, decoded))
    return entries


def _text_fields(fields: Any) -> dict[str, str] | None:
    try:
        return {name.decode(): value.decode() for name, value in (fields or {}).items()}
    except UnicodeDecodeError:
        return None
