"""Each channel's newest events, kept in a capped Stream: publishing appends and announces,
reading answers what came after a position, or that the history cannot prove it."""

import secrets
import uuid
from collections.abc import Sequence
from typing import Any, Final

from adapters.redis import codecs, keys
from adapters.redis.client import RedisConnector
from domain.model.events import BusMessage, ChannelEvent, EventId, HistoryGap
from ports.event_bus import HISTORY_SIZE

PUBLISH_MEMORY_MS: Final = 60_000
"""How long a publish remembers it happened: a re-sent call within it publishes nothing."""
FIRST_SEQUENCES: Final = 2**31
"""The first event of a history gets a sequence number drawn below this (see
`event_publish.lua`): ids stay within the API's 15 digits per part."""

Replay = list[ChannelEvent] | HistoryGap


class EventHistory:
    """`event_publish.lua` appends the event to `rp:history:{<channel>}` (a Stream of the newest
    `HISTORY_SIZE`) and SPUBLISHes `<id> <message>` on `rp:events:{<channel>}`, atomically:
    Pub/Sub order is id order. `event_replay.lua` reads it back after a position."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._publish = connector.acknowledged("event_publish")
        self._replay = connector.script("event_replay")

    async def publish(self, message: BusMessage) -> EventId:
        channel = message.channel
        with self._connector.errors():
            published = await self._publish(
                keys=[
                    keys.event_history(channel),
                    keys.event_history_notes(channel),
                    keys.event_published(channel, uuid.uuid4().hex),
                ],
                args=[
                    keys.channel(channel),
                    codecs.encode_message(message),
                    HISTORY_SIZE,
                    PUBLISH_MEMORY_MS,
                    secrets.randbelow(FIRST_SEQUENCES),
                ],
            )
        return EventId.parse(codecs.text(published))

    async def latest(self, channel: str) -> EventId:
        """The newest event's id (the origin if there is none)."""
        latest, _, _ = await self._read(channel, "", 0)
        return _event_id(latest) or EventId.ORIGIN

    async def after(self, channel: str, start: EventId, *, asked: bool = False) -> Replay:
        """The events after `start`, or a gap if the history cannot prove where it stands
        (`asked`: `start` comes from a client, for whom 0-0 proves nothing)."""
        latest, gap, entries = await self._read(channel, str(start), HISTORY_SIZE, asked=asked)
        if int(gap):
            return HistoryGap(_event_id(latest))
        return [_entry(channel, entry) for entry in entries]

    async def _read(self, channel: str, after: str, count: int, *, asked: bool = False) -> Any:
        """`event_replay.lua`: [newest id or "", gap 0/1, entries after `after`]."""
        with self._connector.errors():
            return await self._replay(
                keys=[keys.event_history(channel), keys.event_history_notes(channel)],
                args=[after, count, int(asked)],
            )


def published(channel: str, data: bytes) -> ChannelEvent:
    """A Pub/Sub message `<id> <message>`, as `event_publish.lua` announces an event;
    `ValueError` if it is not one."""
    entry_id, _, message = data.partition(b" ")
    return ChannelEvent(
        EventId.parse(entry_id.decode("ascii")), codecs.decode_message(channel, message)
    )


def _event_id(raw: bytes | str) -> EventId | None:
    text = codecs.text(raw)
    return EventId.parse(text) if text else None


def _entry(channel: str, entry: Sequence[Any]) -> ChannelEvent:
    """A Stream entry `[id, [b"m", message]]`."""
    entry_id, fields = entry
    return ChannelEvent(
        EventId.parse(codecs.text(entry_id)),
        codecs.decode_message(channel, codecs.raw(fields[1])),
    )
