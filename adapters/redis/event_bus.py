"""Redis `EventBus`: each event kept in a capped Stream per channel and published on sharded
Pub/Sub with its id; one Pub/Sub connection per process (on a cluster, one per node that owns a
channel followed), fanned out to local subscriptions."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterPubSub

from adapters.fanout import Fanout
from adapters.redis import codecs, keys
from adapters.redis.client import RedisConnector
from adapters.redis.event_history import EventHistory, Replay, published
from adapters.tasks import cancelled
from domain.model.events import BusMessage, ChannelEvent, EventId, HistoryGap
from ports.errors import BackendTimeout, BackendUnavailable, PortError, SubscriptionClosed
from ports.event_bus import EventBus, Subscription

log = logging.getLogger(__name__)

READ_TIMEOUT: Final = 0.1
"""How long the reader holds the Pub/Sub connection waiting for a message: subscribing waits
for it to let go (one connection, one user at a time)."""
RECONNECT_BACKOFF: Final = (0.05, 0.1, 0.2, 0.5, 1.0)
LIVENESS_SECONDS: Final = 2.0
"""After this long without a word from Redis the reader PINGs; with no PONG this long after,
the connection is taken for dead (a frozen master answers nothing, and closes nothing)."""
UNSUBSCRIBE_BATCH: Final = 1000
"""Channels one UNSUBSCRIBE names at most."""


class RedisEventBus(EventBus):
    """Each event is kept in its channel's history and announced with its id on the channel's
    shard channel (`SPUBLISH`, `EventHistory`). One PubSub SSUBSCRIBEs to every channel some
    local subscriber follows; a reader task hands each message to them.

    Sharded Pub/Sub, on every profile: on a cluster a `PUBLISH` goes to every node over the
    cluster bus, an `SPUBLISH` only to the shard that owns the channel's slot, the one that
    holds its history; redis-py's `ClusterPubSub` keeps one connection per such node and moves
    a channel when its slot moves. On one server the two cost the same.

    - Entering `subscribe` reads where the history stands, SSUBSCRIBEs and waits for Redis to
      confirm, then reads the history after its start: what was published between the two
      comes from the history, what comes live meanwhile waits behind it, and each subscription
      drops what it already had.
    - When the connection drops (or a frozen server stops answering PINGs), the reader
      reconnects, redis-py subscribes again (through Sentinel: on the current master; on a
      cluster: on the node that owns the slot now, after a failover or a reshard), and each
      channel is caught up from its subscribers' position in the history, live messages held
      until that is done.
    - With `REDIS_WAIT_REPLICAS`, a publish returns once that many replicas hold the event, so
      a failover cannot lose it from the history.
    """

    def __init__(self, connector: RedisConnector, *, confirm_timeout_seconds: float) -> None:
        self._connector = connector
        self._confirm_timeout_seconds = confirm_timeout_seconds
        self._history = EventHistory(connector)
        self._fanout = Fanout()
        self._pubsub: PubSub | None = None
        self._pubsub_lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._catching_up: dict[str, list[ChannelEvent]] = {}
        self._catch_ups: set[asyncio.Task[None]] = set()
        self._leaving: set[str] = set()
        self._leaver: asyncio.Task[None] | None = None

    @property
    def subscribers(self) -> int:
        """Subscriptions held in this process (for metrics and tests; not part of the port)."""
        return self._fanout.subscribers

    async def publish(self, message: BusMessage) -> EventId:
        return await self._history.publish(message)

    @asynccontextmanager
    async def subscribe(
        self, channel: str, *, after: EventId | None = None
    ) -> AsyncIterator[Subscription]:
        if self._fanout.closed:
            raise SubscriptionClosed("the event bus is closed")
        start = after if after is not None else await self._history.latest(channel)
        subscription, first = self._fanout.add(channel, start)
        try:
            await self._subscribed(channel, first=first)
            replay = await self._history.after(channel, start, asked=after is not None)
            subscription.catch_up(replay)
            yield subscription
        finally:
            if self._fanout.remove(subscription):
                await self._unsubscribe(channel)

    async def close(self) -> None:
        self._fanout.close()
        running = [self._reader, self._leaver]
        tasks = [*self._catch_ups, *(task for task in running if task is not None)]
        await cancelled(tasks)
        if self._pubsub is not None:
            await self._pubsub.aclose()

    def _pubsub_connection(self) -> PubSub:
        if self._pubsub is None:
            self._pubsub = self._connector.client.pubsub()
        return self._pubsub

    def _start_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="redis-event-bus-reader")

    async def _subscribed(self, channel: str, *, first: bool) -> None:
        """SUBSCRIBE for the channel's first local subscriber; every one waits until Redis
        confirmed it, at most `confirm_timeout_seconds` in all."""
        try:
            async with asyncio.timeout(self._confirm_timeout_seconds):
                if first:
                    self._confirmations[channel] = asyncio.get_running_loop().create_future()
                    async with self._pubsub_lock:
                        with self._connector.errors():
                            await self._pubsub_connection().ssubscribe(keys.channel(channel))
                    self._start_reader()
                confirmation = self._confirmations.get(channel)
                if confirmation is not None:
                    await asyncio.shield(confirmation)
        except TimeoutError:
            raise BackendTimeout(f"redis did not confirm the subscription to {channel!r}") from None

    async def _unsubscribe(self, channel: str) -> None:
        """Leave the channel, together with every channel left meanwhile: one SUNSUBSCRIBE per
        batch (6,000 streams closing at once, one by one, held Redis subscriptions for ~30 s,
        each waiting its turn for the connection)."""
        self._confirmations.pop(channel, None)
        if self._pubsub is None:
            return
        self._leaving.add(channel)
        if self._leaver is None or self._leaver.done():
            self._leaver = asyncio.create_task(self._leave(), name="redis-event-bus-leave")

    async def leave_now(self) -> None:
        """Send the pending batch of channels left now (for tests; not part of the port)."""
        await self._leave()

    async def _leave(self) -> None:
        assert self._pubsub is not None
        while self._leaving:
            async with self._pubsub_lock:
                # NOTE: under the lock, as subscribing is: a channel followed again since it
                # was left stays subscribed.
                left = [keys.channel(c) for c in self._leaving if not self._fanout.follows(c)]
                self._leaving.clear()
                try:
                    for start in range(0, len(left), UNSUBSCRIBE_BATCH):
                        with self._connector.errors():
                            await self._pubsub.sunsubscribe(
                                *left[start : start + UNSUBSCRIBE_BATCH]
                            )
                except Exception as error:  # the reader reconnects and re-subscribes without them
                    log.info("could not unsubscribe from %d channels: %s", len(left), error)

    async def _read(self) -> None:
        # NOTE: redis-py's PubSub is not safe for concurrent use (two tasks reconnecting one
        # connection at once left a subscriber unconfirmed for 20 s in a chaos run): every
        # call on it holds `_pubsub_lock`, the reader for one short read at a time.
        pubsub = self._pubsub_connection()
        failures = 0
        heard = time.monotonic()
        pinged: float | None = None
        while True:
            try:
                async with self._pubsub_lock:
                    message = await _next_message(pubsub)
                    now = time.monotonic()
                    if message is None:
                        if pinged is not None and now - pinged > LIVENESS_SECONDS:
                            log.warning("event bus: no PONG from redis in %.1f s", now - pinged)
                            pinged = None
                            await _drop_connections(pubsub)
                        elif pinged is None and now - heard > LIVENESS_SECONDS:
                            pinged = now
                            await _ping(pubsub)
                        continue
            except Exception as error:
                delay = RECONNECT_BACKOFF[min(failures, len(RECONNECT_BACKOFF) - 1)]
                failures += 1
                log.warning("event bus lost redis (%s); reconnecting in %.2f s", error, delay)
                await asyncio.sleep(delay)
                continue
            failures, heard, pinged = 0, now, None
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        match message["type"]:
            case "ssubscribe":
                channel = keys.channel_name(codecs.text(message["channel"]))
                confirmation = self._confirmations.get(channel)
                if confirmation is None:
                    return
                if not confirmation.done():
                    confirmation.set_result(None)
                else:  # subscribed again: a reconnect, maybe to a new master
                    self._start_catch_up(channel)
            case "sunsubscribe":
                channel = keys.channel_name(codecs.text(message["channel"]))
                if self._fanout.follows(channel) and channel not in self._leaving:
                    self._start_resubscribe(channel)
            case "smessage":
                channel = keys.channel_name(codecs.text(message["channel"]))
                try:
                    event = published(channel, codecs.raw(message["data"]))
                except ValueError as error:
                    log.warning("dropped a malformed message on %r: %s", channel, error)
                    return
                held = self._catching_up.get(channel)
                if held is not None:
                    held.append(event)
                else:
                    self._fanout.deliver(channel, event)

    def _start_resubscribe(self, channel: str) -> None:
        task = asyncio.create_task(
            self._resubscribe(channel), name=f"redis-event-bus-resubscribe-{channel}"
        )
        self._catch_ups.add(task)
        task.add_done_callback(self._catch_ups.discard)

    async def _resubscribe(self, channel: str) -> None:
        """The server dropped a channel still followed: on a cluster, its slot moved to another
        node (a reshard), or its node became a replica (a failover it slept through). Learn
        where the slot is now and subscribe there; the confirmation catches the channel up
        from the history."""
        failures = 0
        while self._fanout.follows(channel):
            try:
                with self._connector.errors():
                    if self._connector.cluster is not None:
                        await self._connector.cluster.relearn_slots()
                    async with self._pubsub_lock:
                        await self._pubsub_connection().ssubscribe(keys.channel(channel))
                return
            except PortError as error:
                log.info("event bus: could not follow %r again yet: %s", channel, error)
            await asyncio.sleep(RECONNECT_BACKOFF[min(failures, len(RECONNECT_BACKOFF) - 1)])
            failures += 1

    def _start_catch_up(self, channel: str) -> None:
        if channel in self._catching_up:
            return  # the one running reads up to the newest event anyway
        self._catching_up[channel] = []
        task = asyncio.create_task(
            self._catch_up(channel), name=f"redis-event-bus-catch-up-{channel}"
        )
        self._catch_ups.add(task)
        task.add_done_callback(self._catch_ups.discard)

    async def _catch_up(self, channel: str) -> None:
        """Deliver what the channel's subscribers missed while disconnected, then what came live
        meanwhile; if the history cannot be read, they get a gap."""
        replay: Replay = HistoryGap(None)
        for delay in (0, *RECONNECT_BACKOFF):
            await asyncio.sleep(delay)
            start = self._fanout.position(channel)
            if start is None:  # nobody left to catch up
                replay = []
                break
            try:
                replay = await self._history.after(channel, start)
                break
            except BackendUnavailable as error:
                log.info("event bus: could not catch %r up yet: %s", channel, error)
        held = self._catching_up.pop(channel, [])
        deliveries: Sequence[ChannelEvent | HistoryGap] = (
            [replay] if isinstance(replay, HistoryGap) else replay
        )
        for delivery in [*deliveries, *held]:
            self._fanout.deliver(channel, delivery)


def _connected(pubsub: PubSub) -> list[tuple[PubSub, Any]]:
    """The connections a PubSub reads (on a cluster, one per node that owns a channel
    followed) that are connected now, each with its PubSub."""
    node_pubsubs = (
        list(pubsub.node_pubsub_mapping.values()) if isinstance(pubsub, ClusterPubSub) else [pubsub]
    )
    found = []
    for node_pubsub in node_pubsubs:
        connection: Any = node_pubsub.connection  # None until it connects
        if connection is not None:
            found.append((node_pubsub, connection))
    return found


async def _next_message(pubsub: PubSub) -> dict[str, Any] | None:
    if isinstance(pubsub, ClusterPubSub):
        if not pubsub.node_pubsub_mapping:  # every channel left: nothing to wait on
            await asyncio.sleep(READ_TIMEOUT)
            return None
        return await pubsub.get_sharded_message(timeout=READ_TIMEOUT)
    message: dict[str, Any] | None = await pubsub.get_message(timeout=READ_TIMEOUT)
    return message


async def _ping(pubsub: PubSub) -> None:
    for node_pubsub, _ in _connected(pubsub):
        await node_pubsub.ping()


async def _drop_connections(pubsub: PubSub) -> None:
    """Close the sockets, keeping the subscriptions: the next read reconnects (through
    Sentinel: to whoever is master now; on a cluster: redis-py learns the slots again) and
    subscribes again."""
    for _, connection in _connected(pubsub):
        await connection.disconnect(nowait=True)
