"""`NearCache`: hits served from this process while Redis's invalidations come in; a read that
raced an invalidation is never kept; nothing is served while tracking is down.

The Redis side is a fake: a page cache whose reads the test lets finish one by one (in the
style of test_coalescing.py), and a tracking connection whose pushes the test sends."""

import asyncio
import socket
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from adapters.redis import keys
from adapters.redis.near_cache import (
    PREFIX,
    LocalPages,
    NearCache,
    Probe,
    Report,
    Tracked,
    unread_on,
)
from domain.model.paging import PageRequest
from ports.cache import CachedPage, CacheLookup, CacheMiss

PAGE = PageRequest(limit=10, offset=0)
KEY = keys.cache_page(PAGE).encode()
GENERATION = keys.cache_generation().encode()


PING = Probe(("PING",), lambda reply: reply == b"PONG")


def nothing_unread(connection: Any) -> Callable[[], bool]:
    return lambda: False


def near_hit(found: CacheLookup) -> bool:
    return isinstance(found, CachedPage) and found == CachedPage(b"page-1") and found.near


class Pages:
    """The Redis page cache: each read answers what was stored when it started, once the test
    lets it land (or at once, with `instant`)."""

    def __init__(self) -> None:
        self.stamp, self.body = "g1", b"page-1"
        self.reads: list[asyncio.Future[None]] = []
        self.instant = True
        self.write: asyncio.Future[None] | None = None
        """When set, an invalidation waits for it before it lands."""

    async def stamped_lookup(self, request: PageRequest) -> tuple[str, CacheLookup]:
        assert request == PAGE
        seen: tuple[str, CacheLookup] = (
            self.stamp,
            CachedPage(self.body) if self.body else CacheMiss(self.stamp),
        )
        landing = asyncio.get_running_loop().create_future()
        self.reads.append(landing)
        if self.instant:
            landing.set_result(None)
        await landing
        return seen

    async def invalidate_pages(self) -> None:
        if self.write is not None:
            await self.write
        self.stamp, self.body = "g2", b""


class Tracking:
    """The tracking connection: answers CLIENT TRACKING, then hands out the pushes the test
    sends (an exception drops it)."""

    def __init__(self) -> None:
        self.pushes: asyncio.Queue[Any] = asyncio.Queue()
        self.sent: list[tuple[Any, ...]] = []
        self.handler: Any = None
        self._parser = self

    def set_invalidation_push_handler(self, handler: Any) -> None:
        self.handler = handler

    async def send_command(self, *args: Any) -> None:
        self.sent.append(args)

    async def read_response(self, push_request: bool = False) -> Any:
        if not push_request:
            return b"OK"
        push = await self.pushes.get()
        if isinstance(push, BaseException):
            raise push
        return await self.handler(push)

    async def disconnect(self, nowait: bool = False) -> None:
        del nowait


async def settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0)  # NOTE: turns of the loop, not a delay


class Reported:
    """What the near cache reported to its metrics."""

    def __init__(self) -> None:
        self.invalidations = 0
        self.flushes: list[str] = []
        self.held = -1

    def report(self) -> Report:
        def invalidation() -> None:
            self.invalidations += 1

        def held(size: int) -> None:
            self.held = size

        return Report(invalidation, self.flushes.append, held)


@pytest.fixture
async def near() -> Any:
    pages, connection, reported = Pages(), Tracking(), Reported()
    connections = [connection]

    async def connect() -> Any:
        return connections[-1]

    tracked = Tracked(
        connect,
        PING,
        unread=lambda connection: lambda: not connection.pushes.empty(),  # type: ignore[attr-defined]
    )
    cache = NearCache(
        pages,  # type: ignore[arg-type]
        tracked,
        max_bytes=1_000_000,
        max_age_seconds=60,
        report=reported.report(),
    )
    cache.tracking.start()
    await settle()
    cache.reported = reported  # type: ignore[attr-defined]  # NOTE: for the report test
    yield cache, pages, connection, connections
    await cache.close()


async def test_a_hit_is_kept_and_served_again_without_a_round_trip(near: Any) -> None:
    cache, pages, connection, _ = near
    assert connection.sent == [("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", PREFIX)]

    first = await cache.lookup(PAGE)
    second = await cache.lookup(PAGE)

    assert (first, second) == (CachedPage(b"page-1"), CachedPage(b"page-1"))
    assert isinstance(first, CachedPage)
    assert isinstance(second, CachedPage)
    assert (first.near, second.near) == (False, True)
    assert len(pages.reads) == 1
    assert cache.near_hits == 1


async def test_a_read_that_raced_its_own_invalidation_is_not_kept(near: Any) -> None:
    cache, pages, connection, _ = near
    pages.instant = False
    out = asyncio.create_task(cache.lookup(PAGE))
    await settle()
    assert len(pages.reads) == 1  # the read is out, with page-1 in hand
    connection.pushes.put_nowait([b"invalidate", [KEY]])  # the page changed meanwhile
    await settle()
    pages.reads[0].set_result(None)

    assert await out == CachedPage(b"page-1")  # it started before the change: fair for it
    pages.instant = True
    await cache.lookup(PAGE)
    assert len(pages.reads) == 2, "the raced page was not kept: the next read went to Redis"
    assert cache.near_hits == 0


async def test_a_push_not_read_yet_stops_near_hits_at_once(near: Any) -> None:
    """Another instance's write returned and its push is in this process's socket, but the
    loop has not run the reader yet: the page is not served from here (read-your-writes
    across instances, with no round trip)."""
    cache, pages, connection, _ = near
    await cache.lookup(PAGE)
    assert near_hit(await cache.lookup(PAGE))
    pages.stamp, pages.body = "g2", b"page-2"

    connection.pushes.put_nowait([b"invalidate", [GENERATION]])  # arrived, not read
    found = await cache.lookup(PAGE)

    assert found == CachedPage(b"page-2"), "read through to Redis"
    assert len(pages.reads) == 2


async def test_no_near_hit_without_an_answer_from_redis_within_two_liveness_periods(
    near: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pushes may be late (a slow link, a loop too busy to read): past two liveness
    periods since the last probe answered, read through, whatever the connection says."""
    cache, pages, _, _ = near
    await cache.lookup(PAGE)
    assert near_hit(await cache.lookup(PAGE))
    later = time.monotonic() + 2.1  # liveness: 1 s, no probe answered
    monkeypatch.setattr("adapters.redis.near_cache.time.monotonic", lambda: later)

    assert await cache.lookup(PAGE) == CachedPage(b"page-1")
    assert len(pages.reads) == 2


async def test_the_generation_changing_drops_every_page(near: Any) -> None:
    cache, pages, connection, _ = near
    await cache.lookup(PAGE)
    pages.stamp, pages.body = "g2", b"page-2"

    connection.pushes.put_nowait([b"invalidate", [GENERATION]])
    await settle()

    assert await cache.lookup(PAGE) == CachedPage(b"page-2")
    assert cache.bytes_held == len(b"page-2")


async def test_its_own_write_drops_its_pages_and_keeps_no_read_that_was_out(near: Any) -> None:
    cache, pages, _, _ = near
    pages.instant = False
    out = asyncio.create_task(cache.lookup(PAGE))
    await settle()

    await cache.invalidate_pages()  # no push arrived yet: only its own write knows
    pages.reads[0].set_result(None)
    await out
    pages.instant = True

    assert await cache.lookup(PAGE) == CacheMiss("g2")
    assert cache.near_hits == 0


async def test_a_read_during_its_own_write_is_not_served_once_the_write_returned(
    near: Any,
) -> None:
    cache, pages, _, _ = near
    pages.write = asyncio.get_running_loop().create_future()
    writing = asyncio.create_task(cache.invalidate_pages())
    await settle()
    assert await cache.lookup(PAGE) == CachedPage(b"page-1")  # the write has not landed yet

    pages.write.set_result(None)
    await writing

    assert await cache.lookup(PAGE) == CacheMiss("g2"), "its own write returned: no old page"


@pytest.mark.parametrize("cause", ["dropped", "flushed"])
async def test_nothing_is_served_while_not_tracking_and_it_starts_over_empty(
    near: Any, cause: str
) -> None:
    cache, pages, connection, connections = near
    await cache.lookup(PAGE)
    replacement = Tracking()
    connections.append(replacement)

    if cause == "dropped":
        connection.pushes.put_nowait(ConnectionError("gone"))
        await settle()
        assert not cache.tracking.live
        await cache.lookup(PAGE)
        assert len(pages.reads) == 2, "while not tracking, read through"
        assert cache.bytes_held == 0, "and keep nothing"
    else:
        connection.pushes.put_nowait([b"invalidate", None])  # FLUSHALL
        await settle()
        assert cache.bytes_held == 0

    async with asyncio.timeout(5):
        while not cache.tracking.live:  # noqa: ASYNC110 - the reconnection's backoff
            await asyncio.sleep(0.01)
    before = len(pages.reads)
    await cache.lookup(PAGE)
    await cache.lookup(PAGE)
    assert len(pages.reads) == before + 1, "tracking again: one read, then near hits"


async def test_a_server_that_accepts_and_never_answers_is_given_up_and_tried_again() -> None:
    """A frozen master accepts a connection and answers nothing: the tracking gives up on it
    after two liveness periods and connects again (to where the writes go by then)."""
    attempts: list[str] = []
    working = Tracking()

    async def connect() -> Any:
        attempts.append("attempt")
        if len(attempts) == 1:
            await asyncio.get_running_loop().create_future()  # never answers
        return working

    tracked = Tracked(connect, PING, nothing_unread)
    cache = NearCache(Pages(), tracked, max_bytes=100, max_age_seconds=60, liveness_seconds=0.05)  # type: ignore[arg-type]
    cache.tracking.start()
    try:
        async with asyncio.timeout(5):
            while not cache.tracking.live:  # noqa: ASYNC110 - the give-up, then the backoff
                await asyncio.sleep(0.01)
    finally:
        await cache.close()

    assert len(attempts) == 2


async def test_a_probe_unanswered_stops_tracking_and_drops_every_page() -> None:
    """A frozen server answers no probe: within two liveness periods the pages are gone
    (not only unserved), and the flush is reported as tracking stopped."""
    reported, connection = Reported(), Tracking()  # it answers no probe

    async def connect() -> Any:
        return connection

    tracked = Tracked(connect, PING, nothing_unread)
    cache = NearCache(
        Pages(),  # type: ignore[arg-type]
        tracked,
        max_bytes=100,
        max_age_seconds=60,
        liveness_seconds=0.05,
        report=reported.report(),
    )
    cache.tracking.start()
    try:
        async with asyncio.timeout(5):
            while not cache.tracking.live:  # noqa: ASYNC110 - the connection coming up
                await asyncio.sleep(0.01)
            await cache.lookup(PAGE)
            assert cache.bytes_held
            while "tracking_stopped" not in reported.flushes:  # noqa: ASYNC110 - the probes
                await asyncio.sleep(0.01)
        assert cache.bytes_held == 0
        assert ("PING",) in connection.sent
    finally:
        await cache.close()


async def test_it_reports_pushes_flushes_by_reason_and_bytes_held(near: Any) -> None:
    cache, _, connection, _ = near
    reported = cache.reported
    assert reported.flushes == ["tracking_started"]
    await cache.lookup(PAGE)
    assert reported.held == len(b"page-1")

    for push in ([b"invalidate", [KEY]], [b"invalidate", [GENERATION]], [b"invalidate", None]):
        connection.pushes.put_nowait(push)
    await settle()
    await cache.invalidate_pages()
    connection.pushes.put_nowait(ConnectionError("gone"))
    await settle()

    assert reported.invalidations == 3
    assert reported.flushes == [
        "tracking_started", "generation", "flushall", "own_write", "own_write", "tracking_stopped",
    ]  # fmt: skip
    assert reported.held == 0


def test_local_pages_keep_at_most_their_bytes_and_no_page_past_its_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("adapters.redis.near_cache.time.monotonic", lambda: now[0])
    pages = LocalPages(max_bytes=10, max_age_seconds=5)
    pages.put("a", "g", b"12345")
    pages.put("b", "g", b"12345")
    pages.get("a", "g")  # a is now the most recently used
    pages.put("c", "g", b"123")

    assert (pages.get("b", "g"), pages.get("a", "g"), pages.bytes_held) == (None, b"12345", 8)
    assert pages.get("a", "other generation") is None
    pages.put("d", "g", b"x" * 11)
    assert pages.get("d", "g") is None, "larger than the whole budget: not kept"
    now[0] += 6
    assert pages.get("c", "g") is None, "older than the maximum age"


async def test_the_unread_check_sees_bytes_in_the_socket_once_a_turn_of_the_loop() -> None:
    """What the server sent and nobody read yet: in the stream's buffer at once; in the
    socket's at the next turn of the loop (one system call a turn, shared by the near hits
    in it, whose requests were all read before the turn began)."""
    ours, server = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=ours)
    connection: Any = SimpleNamespace(_parser=object(), _reader=reader, _writer=writer)
    try:
        unread = unread_on(connection)
        assert not unread()

        server.send(b">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nkey\r\n")
        assert not unread(), "the socket was asked in this turn already"
        await asyncio.sleep(0)  # NOTE: one turn of the loop; its reader may run in it

        assert unread(), "in the socket, or read into the stream's buffer"
        await reader.read(100)
        await asyncio.sleep(0)
        assert not unread()
    finally:
        writer.close()
        server.close()


class SlowToStop(Tracking):
    """A tracking connection whose probe, once cancelled, takes a moment to stop (as a
    connection closing its socket does)."""

    async def send_command(self, *args: Any) -> None:
        self.sent.append(args)
        if args != PING.command:
            return
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            await asyncio.sleep(0.05)  # NOTE: the stopping takes a while: what is tested


async def test_closing_while_the_tracking_is_stopping_ends_it() -> None:
    """close() comes while the tracking waits for its watchdog to stop (the connection just
    dropped): the tracking ends there. It does not swallow the cancellation and connect
    again (close() would then wait on a tracking that goes on)."""
    connection, connections = SlowToStop(), 0

    async def connect() -> Any:
        nonlocal connections
        connections += 1
        return connection

    cache = NearCache(
        Pages(),  # type: ignore[arg-type]
        Tracked(connect, PING, nothing_unread),
        max_bytes=100,
        max_age_seconds=60,
        liveness_seconds=0.05,
    )
    cache.tracking.start()
    async with asyncio.timeout(5):
        while PING.command not in connection.sent:  # noqa: ASYNC110 - the probe going out
            await asyncio.sleep(0.01)
    connection.pushes.put_nowait(ConnectionError("dropped"))
    await settle()  # the tracking is stopping: its watchdog is being cancelled

    async with asyncio.timeout(5):  # NOTE: a guard against hanging, not a measurement
        await cache.close()

    assert connections == 1, "closed: it did not connect again"
    assert not cache.tracking.live
