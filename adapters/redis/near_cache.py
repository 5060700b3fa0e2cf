"""A near cache: rendered pages kept in this process in front of the Redis page cache, dropped
when Redis says their keys changed (server-assisted client-side caching), so that a hit costs
no round trip.

- `InvalidationTracking`: one dedicated RESP3 connection that asked Redis for
  `CLIENT TRACKING ON BCAST PREFIX rp:{notices}:` and reads the `invalidate` pushes Redis sends
  when any key under that prefix changes (`None`: everything was flushed). RESP3 pushes on the
  tracking connection itself rather than RESP2's `REDIRECT` to a `__redis__:invalidate`
  subscriber: one connection to watch instead of two, and tracking ends with the connection
  that asked for it, so "the connection dropped" and "tracking stopped" are one event.
- While not tracking (not connected yet, reconnecting, a PING unanswered), nothing is served
  from or stored in the near cache: every read goes to Redis. Every time tracking starts
  again, the near cache starts empty (what changed meanwhile was never announced).
- `NearCache`: the `Cache` port in front of `RedisCache`. A read that went to Redis is kept
  only if no invalidation arrived while it was out (the tracking's epoch did not move): a read
  racing its own invalidation could otherwise store a page Redis has already replaced.
- Read-your-writes across instances, with no round trip: before a near hit, `caught_up` checks
  that nothing Redis sent to the tracking connection is still unread (in the parser, in the
  stream, or in the socket: a `poll` with no wait, once per turn of the event loop). Redis
  writes the invalidations of a write to the tracking connections in the same pass of its
  event loop as the writer's reply, and (7.0) before it: the tracking clients are queued for
  writing after the writer, and the queue is written from its head. So once a write has
  returned anywhere, a page it invalidated is not served here either, as long as the push
  travels to this process no slower than the reply travels to the writer and on to the
  reader: always on one host; across hosts, the difference of the two paths is the bound.
"""

import asyncio
import logging
import select
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from redis.asyncio.connection import AbstractConnection

from adapters.redis import keys
from adapters.redis.cache import RedisCache
from adapters.redis.client import RedisConnector
from adapters.tasks import cancelled
from domain.model.paging import PageRequest
from ports.cache import Cache, CachedPage, CacheLookup, FillTicket

log = logging.getLogger(__name__)

PREFIX: Final = keys.cache_generation().rsplit(":", 1)[0] + ":"
"""Every key of the page cache starts with it: `rp:{notices}:`."""
RECONNECT_BACKOFF: Final = (0.05, 0.1, 0.2, 0.5, 1.0)
PUSHED, STARTED, STOPPED, OWN_WRITE = "pushed", "tracking_started", "tracking_stopped", "own_write"
"""Why pages are dropped: Redis's push; tracking (re)starting or stopping; this process's write."""


def _ignore(*_: object) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Report:
    """What the near cache tells its metrics (nothing by default): every invalidation push
    received, every time it drops every page and why (`flushall`, `generation`: a post,
    `tracking_started`, `tracking_stopped`, `own_write`), the bytes it holds after a change."""

    invalidation: Callable[[], None] = _ignore
    flush: Callable[[str], None] = _ignore
    bytes_held: Callable[[int], None] = _ignore


class InvalidationTracking:
    """Reads Redis's invalidations for `PREFIX` on a connection of its own.

    `epoch` moves on every invalidation and every (re)start of tracking; `live` says whether
    invalidations are being received now. A probe goes out every half `liveness_seconds`,
    busy or idle, and must be answered within `liveness_seconds`, and rightly, or the
    connection is dropped: a frozen server closes nothing, a master demoted while it slept
    answers as a replica, and a cluster node that lost the slot answers MOVED. Its answer
    comes after every push Redis sent before it, so `caught_up` also requires an answer to a
    probe sent within the last `2 * liveness_seconds`: whatever the network does, a page is
    never served longer than that after Redis sent its invalidation.
    """

    def __init__(
        self,
        connect: "Tracked",
        on_invalidate: Callable[[list[bytes] | None, str], None],
        *,
        liveness_seconds: float = 1.0,
    ) -> None:
        self._connect = connect.connect
        self._probe = connect.probe
        self._on_invalidate = on_invalidate
        self._liveness_seconds = liveness_seconds
        self.epoch = 0
        self.live = False
        self._watch_unread = connect.unread
        self._unread: Callable[[], bool] | None = None
        """Whether the tracking connection has something unread; None while not tracking."""
        self._probes: deque[float] = deque()
        """When each probe not answered yet went out, oldest first."""
        self._confirmed = 0.0
        """When the last answered probe went out: every push sent before it has been read."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="redis-near-cache-tracking")

    async def close(self) -> None:
        if self._task is not None:
            await cancelled([self._task])
            self._task = None
        self._stop_tracking()

    def caught_up(self) -> bool:
        """Tracking, and nothing Redis sent is waiting unread: every invalidation sent before
        now has been applied."""
        unread = self._unread
        return (
            unread is not None
            and self.live
            and time.monotonic() - self._confirmed <= 2 * self._liveness_seconds
            and not unread()
        )

    def _stop_tracking(self) -> None:
        self.live = False
        self._unread = None
        self.epoch += 1
        self._on_invalidate(None, STOPPED)

    async def _run(self) -> None:
        failures = 0
        while True:
            connection: AbstractConnection | None = None
            try:
                # NOTE: a frozen server accepts the connection and answers nothing: give up on
                # it as on a probe, and try again (where the writes go by then).
                async with asyncio.timeout(2 * self._liveness_seconds):
                    connection = await self._connect()
                    await self._track(connection)
                failures = 0
                await self._listen(connection)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: stop, flush, reconnect
                log.warning("near cache: tracking stopped (%s); reading through to Redis", error)
            finally:
                if self.live:
                    self._stop_tracking()
                if connection is not None:
                    await connection.disconnect(nowait=True)
            await asyncio.sleep(RECONNECT_BACKOFF[min(failures, len(RECONNECT_BACKOFF) - 1)])
            failures += 1

    async def _track(self, connection: AbstractConnection) -> None:
        async def keep(push: Any) -> Any:
            return push

        # NOTE: the parser's hook is the only way redis-py hands out an invalidation push.
        parser: Any = connection._parser
        parser.set_invalidation_push_handler(keep)
        await connection.send_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", PREFIX)
        reply = await connection.read_response()
        if reply not in (b"OK", "OK"):
            raise ConnectionError(f"CLIENT TRACKING answered {reply!r}")
        # NOTE: empty first, then live: what changed before now was never announced.
        self.epoch += 1
        self._on_invalidate(None, STARTED)
        self._probes.clear()
        self._confirmed = time.monotonic()
        self._unread = self._watch_unread(connection)
        self.live = True

    async def _listen(self, connection: AbstractConnection) -> None:
        watchdog = asyncio.create_task(self._watch(connection))
        try:
            while True:
                message = await connection.read_response(push_request=True)
                if isinstance(message, list) and message and message[0] == b"invalidate":
                    self.epoch += 1
                    self._on_invalidate(message[1], PUSHED)
                elif not self._probe.accepts(message) or not self._probes:
                    raise ConnectionError(f"not where the writes go any more: {message!r}")
                else:
                    self._confirmed = self._probes.popleft()
        finally:
            await cancelled([watchdog])

    async def _watch(self, connection: AbstractConnection) -> None:
        """A probe every half `liveness_seconds`; one unanswered for `liveness_seconds`: the
        connection is dropped, which ends `_listen` and tracking with it."""
        while True:
            await asyncio.sleep(self._liveness_seconds / 2)
            now = time.monotonic()
            if self._probes and now - self._probes[0] > self._liveness_seconds:
                log.warning("near cache: no answer from redis in %.1f s", now - self._probes[0])
                self._stop_tracking()
                await connection.disconnect(nowait=True)
                return
            self._probes.append(now)
            await connection.send_command(*self._probe.command)


@dataclass(frozen=True, slots=True)
class Probe:
    """What the tracking connection asks when it has heard nothing for a while, and whether an
    answer says it is still on the server that takes the cache's writes (an error reply
    raises, and drops it too)."""

    command: tuple[str, ...]
    accepts: Callable[[Any], bool]


MASTER: Final = Probe(("ROLE",), lambda reply: bool(reply) and reply[0] in (b"master", "master"))
"""One Redis, or through Sentinel: still a master (a master frozen through a failover wakes up a
replica, and its invalidations would stop)."""
SLOT_OWNER: Final = Probe(("EXISTS", keys.cache_generation()), lambda reply: isinstance(reply, int))
"""A cluster node: still the owner of the `{notices}` slot (else MOVED, an error)."""


def unread_on(connection: AbstractConnection) -> Callable[[], bool]:
    """A check of whether anything the server sent on `connection` is not parsed yet: in the
    parser's buffer (hiredis), in the stream's, or in the socket's, made once per connection.

    The socket is asked (a `poll` with no wait) at most once per turn of the event loop: a
    request handled in this turn was read before the turn began (a task step scheduled by a
    read runs in a later turn, after the callbacks already queued), so whatever reached the
    socket before that request did was there at the first check of the turn, or is in a
    buffer by now. One system call a turn, shared by every near hit in it, rather than one a
    hit: the call cost more than the rest of the hit put together."""
    parser: Any = connection._parser
    reader = getattr(parser, "_reader", None)
    has_data: Callable[[], bool] = getattr(reader, "has_data", lambda: False)
    stream: Any = connection._reader  # NOTE: StreamReader has no public way to peek
    transport = connection._writer.transport if connection._writer is not None else None
    sock = transport.get_extra_info("socket") if transport is not None else None
    if stream is None or sock is None:
        return lambda: True
    waiting = select.poll()
    waiting.register(sock.fileno(), select.POLLIN)
    poll, loop = waiting.poll, asyncio.get_running_loop()
    checked = [False]
    """The socket was empty at a check in this turn of the loop."""

    def next_turn() -> None:
        checked[0] = False

    def unread() -> bool:
        if has_data() or stream._buffer:
            return True
        if checked[0]:
            return False
        if poll(0):
            return True
        checked[0] = True
        loop.call_soon(next_turn)  # NOTE: runs before any step a later read schedules
        return False

    return unread


@dataclass(frozen=True, slots=True)
class Tracked:
    """How to open a tracking connection (to the server the cache's keys live on), how to
    check it is still that server, and whether something it sent is still unread."""

    connect: Callable[[], Awaitable[AbstractConnection]]
    probe: Probe
    unread: Callable[[AbstractConnection], Callable[[], bool]] = unread_on


def tracked(connector: RedisConnector) -> Tracked:
    """The tracking connection for this connector's Redis: the master (through the Sentinels
    when the pool asks them), or on a cluster the node that owns the `{notices}` slot now. No
    socket timeout: it waits for pushes; the probe notices a silent server."""
    cluster = connector.cluster
    if cluster is None:
        pool: Any = connector.client.connection_pool

        async def to_master() -> AbstractConnection:
            return await _opened(pool.connection_class, pool.connection_kwargs)

        return Tracked(to_master, MASTER)

    async def to_slot_owner() -> AbstractConnection:
        await cluster.relearn_slots()  # on every (re)connection: it follows a moved slot
        node: Any = cluster.client.get_node_from_key(keys.cache_generation())
        return await _opened(node.connection_class, node.connection_kwargs)

    return Tracked(to_slot_owner, SLOT_OWNER)


async def _opened(connection_class: Any, kwargs: dict[str, Any]) -> AbstractConnection:
    """A connection with no socket timeout (it waits for pushes), open; closed again if the
    opening fails or is given up."""
    connection: AbstractConnection = connection_class(**{**kwargs, "socket_timeout": None})
    try:
        await connection.connect()  # type: ignore[no-untyped-call]
    except BaseException:
        await connection.disconnect(nowait=True)
        raise
    return connection


@dataclass(slots=True)
class _Page:
    stamp: str
    body: bytes
    kept_at: float


class LocalPages:
    """Pages by key, at most `max_bytes` of bodies and none older than `max_age_seconds`; the
    least recently used go first."""

    def __init__(self, *, max_bytes: int, max_age_seconds: float) -> None:
        self._max_bytes = max_bytes
        self._max_age = max_age_seconds
        self._pages: OrderedDict[str, _Page] = OrderedDict()
        self.bytes_held = 0

    def get(self, key: str, stamp: str) -> bytes | None:
        page = self._pages.get(key)
        if page is None:
            return None
        if page.stamp != stamp or time.monotonic() - page.kept_at > self._max_age:
            self.drop(key)
            return None
        self._pages.move_to_end(key)
        return page.body

    def put(self, key: str, stamp: str, body: bytes) -> None:
        if len(body) > self._max_bytes:
            return
        self.drop(key)
        self._pages[key] = _Page(stamp, body, time.monotonic())
        self.bytes_held += len(body)
        while self.bytes_held > self._max_bytes:
            _, oldest = self._pages.popitem(last=False)
            self.bytes_held -= len(oldest.body)

    def drop(self, key: str) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self.bytes_held -= len(page.body)

    def clear(self) -> None:
        self._pages.clear()
        self.bytes_held = 0


class NearCache(Cache):
    """`RedisCache`, with its hits kept in this process while Redis's invalidations come in.

    - lookup: tracking live, the current generation known and the page of that generation
      held: the page, no round trip. Otherwise the Redis lookup (generation and page in one
      MGET), whose answer is kept only if no invalidation arrived while it was out.
    - An invalidation of the generation key drops every page; of a page key, that page; a
      flush (or tracking stopping or starting) drops everything.
    - invalidate_pages (this instance's own write): the local pages go before and after the
      Redis write, and reads out meanwhile keep nothing, so this instance never serves a page
      from before its own write once that write returned.
    - begin_fill, wait_for_fill, store: Redis's.
    """

    def __init__(
        self,
        inner: RedisCache,
        connect: Tracked,
        *,
        max_bytes: int,
        max_age_seconds: float,
        liveness_seconds: float = 1.0,
        report: Report = Report(),
    ) -> None:
        self._inner = inner
        self._report = report
        self._pages = LocalPages(max_bytes=max_bytes, max_age_seconds=max_age_seconds)
        self._generation: str | None = None
        self.tracking = InvalidationTracking(
            connect, self._invalidated, liveness_seconds=liveness_seconds
        )
        self.near_hits = 0

    @property
    def bytes_held(self) -> int:
        return self._pages.bytes_held

    async def lookup(self, request: PageRequest) -> CacheLookup:
        self.tracking.start()
        key = keys.cache_page(request)
        generation = self._generation
        if generation is not None and self.tracking.caught_up():
            body = self._pages.get(key, generation)
            if body is not None:
                self.near_hits += 1
                return CachedPage(body, near=True)
        epoch = self.tracking.epoch
        stamp, found = await self._inner.stamped_lookup(request)
        if self.tracking.live and self.tracking.epoch == epoch:
            self._generation = stamp
            if isinstance(found, CachedPage):
                self._pages.put(key, stamp, found.body)
                self._report.bytes_held(self._pages.bytes_held)
        return found

    async def begin_fill(
        self, request: PageRequest, stamp: str, *, lease_seconds: float
    ) -> FillTicket:
        return await self._inner.begin_fill(request, stamp, lease_seconds=lease_seconds)

    async def wait_for_fill(
        self, request: PageRequest, ticket: FillTicket, *, timeout_seconds: float
    ) -> CachedPage | None:
        return await self._inner.wait_for_fill(request, ticket, timeout_seconds=timeout_seconds)

    async def store(
        self, request: PageRequest, body: bytes, ticket: FillTicket, *, ttl_seconds: int
    ) -> bool:
        return await self._inner.store(request, body, ticket, ttl_seconds=ttl_seconds)

    async def invalidate_pages(self) -> None:
        self._forget()
        try:
            await self._inner.invalidate_pages()
        finally:
            self._forget()

    async def close(self) -> None:
        await self.tracking.close()

    def _forget(self) -> None:
        """Drop every page, and keep nothing a read out now brings back."""
        self.tracking.epoch += 1
        self._invalidated(None, OWN_WRITE)

    def _invalidated(self, changed: list[bytes] | None, cause: str) -> None:
        if cause == PUSHED:
            self._report.invalidation()
        if changed is None or _GENERATION in changed:
            self._generation = None
            self._pages.clear()
            if cause == PUSHED:
                cause = "flushall" if changed is None else "generation"
            self._report.flush(cause)
        else:
            for key in changed:
                self._pages.drop(key.decode(errors="replace"))
        self._report.bytes_held(self._pages.bytes_held)


_GENERATION: Final = keys.cache_generation().encode()
