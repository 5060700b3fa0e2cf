"""The connection edge, on a real uvicorn server with the service's protocol (small limits, so
that the tests take seconds): request heads have a deadline, idle connections are closed, a
crowd of idle or slow sockets cannot lock others out, what the parser refuses is a problem
document, a client leaving with unread responses leaves no traceback, and a shutdown ends
event streams instead of cancelling them."""

import asyncio
import contextlib
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn

from adapters.http.server import MAX_TARGET_BYTES, ConnectionLimits, guarded_protocol
from composition.root import Assembly, assemble
from composition.settings import Settings
from tests.support.app_server import get, running_app
from tests.support.served import serving

LIMITS = ConnectionLimits(head_timeout_seconds=1.0, idle_seconds=0.5, max_connections=60)


@pytest.fixture
def built(settings: Settings) -> Assembly:
    return assemble(replace(settings, sse_max_stream_seconds=0.0), sse_keepalive_seconds=30)


@pytest.fixture
async def server(built: Assembly) -> AsyncIterator[uvicorn.Server]:
    http = guarded_protocol(LIMITS, built.container.draining())
    async with serving(built.app(), http=http, timeout_graceful_shutdown=5) as running:
        yield running


_opened: list[asyncio.StreamWriter] = []


@pytest.fixture(autouse=True)
async def close_clients() -> AsyncIterator[None]:
    """Every client socket a test opened is closed at its end."""
    yield
    while _opened:
        writer = _opened.pop()
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def connect(server: uvicorn.Server) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.config.port)
    _opened.append(writer)
    return reader, writer


async def exchange(server: uvicorn.Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read until the server closes; the status, headers and body."""
    reader, writer = await connect(server)
    writer.write(request)
    await writer.drain()
    async with asyncio.timeout(5):
        answer = await reader.read()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = dict(field.lower().split(": ", 1) for field in fields)
    return int(status_line.split()[1]), headers, body


async def healthz(server: uvicorn.Server) -> int:
    status, _, _ = await exchange(
        server, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    return status


async def closed(reader: asyncio.StreamReader, within: float = 5) -> bytes:
    """What the server sent before closing the connection (fails if it stays open)."""
    async with asyncio.timeout(within):
        return await reader.read()


async def test_a_head_that_trickles_in_is_cut_at_its_deadline_with_408(
    server: uvicorn.Server,
) -> None:
    reader, writer = await connect(server)
    started = time.monotonic()
    head = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 100

    async def trickle() -> None:
        for byte in head:
            if writer.is_closing():
                return
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)

    trickling = asyncio.create_task(trickle())
    answer = await closed(reader)
    took = time.monotonic() - started
    trickling.cancel()

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"application/problem+json" in answer
    assert took >= LIMITS.head_timeout_seconds, "not before the deadline"


async def test_a_connection_that_sends_nothing_is_closed_like_an_idle_keep_alive(
    server: uvicorn.Server,
) -> None:
    reader, _ = await connect(server)

    assert await closed(reader) == b""


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (
            b"POST /usage HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
        ),
        (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        (
            b"GET /notices?"
            + b"&".join(b"p%d=1" % n for n in range(10_000))
            + b" HTTP/1.1\r\nHost: t\r\n\r\n",
            414,
        ),
        (b"FOO / HTTP/1.1\r\nHost: t\r\n\r\n", 501),
        (b"GET /healthz HTTP/1.1\r\nHost: t\r\nNo Colon Here\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", 431),
    ],
    ids=[
        "length-and-chunked",
        "long-path",
        "10000-parameters",
        "unknown-method",
        "bad-field",
        "101-fields",
    ],
)
async def test_what_the_parser_refuses_is_a_problem_document(
    server: uvicorn.Server, request_bytes: bytes, status: int
) -> None:
    answer_status, headers, body = await exchange(server, request_bytes)

    assert answer_status == status
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    document = json.loads(body)
    assert (document["status"], document["type"]) == (status, "about:blank")
    assert document["detail"]


async def test_a_target_at_the_limit_is_served(server: uvicorn.Server) -> None:
    path = b"/usage/" + b"s" * (MAX_TARGET_BYTES - len(b"/usage/"))

    status, _, _ = await exchange(
        server, b"GET " + path + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )

    assert status == 422, "routed (a 65-character source is refused by the route, not the parser)"


async def test_idle_and_slow_sockets_beyond_the_limit_make_room_for_a_new_client(
    server: uvicorn.Server,
) -> None:
    """Twice the connection limit held open, half of them trickling a head, half silent: a
    new client is still served, because the connection waiting the longest gives way."""
    for n in range(2 * LIMITS.max_connections):
        _, writer = await connect(server)
        if n % 2:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
    await asyncio.sleep(0.05)  # the server has accepted them all

    statuses = [await healthz(server) for _ in range(5)]

    assert statuses == [200] * 5
    assert len(server.server_state.connections) <= LIMITS.max_connections + 1


async def test_with_every_connection_busy_a_new_one_gets_503(server: uvicorn.Server) -> None:
    for _ in range(LIMITS.max_connections):
        reader, writer = await connect(server)
        writer.write(b"GET /events/stream?channel=busy HTTP/1.1\r\nHost: t\r\n\r\n")
        await reader.readuntil(b"subscribed to busy")

    status, headers, body = await exchange(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")

    assert status == 503
    assert headers["content-type"] == "application/problem+json"
    assert b"too many open connections" in body


def test_a_client_leaving_with_unread_pipelined_responses_leaves_no_traceback(
    tmp_path: Path,
) -> None:
    """On the real server (uvloop, whose transports refuse a write after close): 200 requests
    pipelined, then the client goes. uvicorn marked only the newest request as disconnected,
    so the one running wrote to the closed transport: one traceback per connection."""
    log = tmp_path / "app.log"
    with running_app({}, log=log) as app:
        for _ in range(5):
            with socket.create_connection(("127.0.0.1", app.port)) as sock:
                sock.sendall(b"GET /notices HTTP/1.1\r\nHost: t\r\n\r\n" * 200)
        time.sleep(0.5)  # the pipelined requests run and meet the closed socket
        assert get(f"{app.url}/healthz") == 200

    written = log.read_text()
    assert "Traceback" not in written, written[-3000:]
    assert "ERROR" not in written


async def test_a_shutdown_ends_open_event_streams_without_cancelling_them(
    built: Assembly, caplog: pytest.LogCaptureFixture
) -> None:
    http = guarded_protocol(LIMITS, built.container.draining())
    with caplog.at_level(logging.INFO):
        async with serving(built.app(), http=http, timeout_graceful_shutdown=5) as server:
            streams = []
            for _ in range(3):
                reader, writer = await connect(server)
                writer.write(b"GET /events/stream?channel=s HTTP/1.1\r\nHost: t\r\n\r\n")
                await reader.readuntil(b"subscribed to s")
                streams.append(reader)
        ended = [await closed(reader, within=1) for reader in streams]

    messages = [record.getMessage() for record in caplog.records]
    assert not [m for m in messages if "Cancel" in m or "Exception in ASGI" in m], messages
    assert all(tail.endswith(b"0\r\n\r\n") for tail in ended), "each stream ended properly"
