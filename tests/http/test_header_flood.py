"""A flood of header fields is refused at the limit, by the server's protocol and by the edge,
and other clients are served meanwhile."""

import socket
import threading
from collections.abc import Iterator

import pytest
from falcon import testing

from adapters.http.admission import MAX_HEADER_BYTES, MAX_HEADER_FIELDS
from tests.http.conftest import assert_problem
from tests.support.app_server import AppServer, get, running_app

FLOOD_LINES = 2_000_000  # 16 MB: far more than loopback socket buffers hold


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with running_app({}, log=tmp_path_factory.mktemp("flood") / "app.log") as app:
        yield app


def flood(port: int, outcome: dict[str, object]) -> None:
    """Send a request with `FLOOD_LINES` header lines; record how far it got and the answer."""
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    line = b"X-Flood: 1\r\n"
    chunk = line * 8_192
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sent = 0
        try:
            sock.sendall(head)
            while sent < FLOOD_LINES:
                sock.sendall(chunk)
                sent += 8_192
            sock.sendall(b"\r\n")
        except OSError as error:  # the server closed the connection on us
            outcome["send_error"] = type(error).__name__
        outcome["lines_sent"] = sent
        try:
            outcome["answer"] = sock.recv(65_536)
        except OSError as error:
            outcome["answer"] = b""
            outcome["recv_error"] = type(error).__name__


def test_a_header_flood_is_refused_with_431_without_reading_it_all(server: AppServer) -> None:
    outcome: dict[str, object] = {}
    sender = threading.Thread(target=flood, args=(server.port, outcome))
    sender.start()
    served_meanwhile = [get(f"{server.url}/healthz") for _ in range(20)]
    sender.join(timeout=60)

    assert not sender.is_alive()
    assert served_meanwhile == [200] * 20
    assert "send_error" in outcome, "the server read the whole flood"
    assert isinstance(outcome["lines_sent"], int)
    assert outcome["lines_sent"] < FLOOD_LINES
    answer = outcome["answer"]
    assert isinstance(answer, bytes)
    if answer:  # a reset may discard the answer in flight; when it arrives, it is a 431
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert b"application/problem+json" in answer
    assert get(f"{server.url}/healthz") == 200


def raw_request(port: int, header_lines: list[bytes]) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(header_lines) + b"\r\n")
        return sock.recv(65_536)


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ([b"X-A: 1\r\n"] * (MAX_HEADER_FIELDS - 1), b"200"),  # with Host: exactly the limit
        ([b"X-A: 1\r\n"] * MAX_HEADER_FIELDS, b"431"),
        ([b"X-A: " + b"a" * (MAX_HEADER_BYTES - 100) + b"\r\n"], b"200"),
        ([b"X-A: " + b"a" * MAX_HEADER_BYTES + b"\r\n"], b"431"),
    ],
    ids=["100-fields", "101-fields", "under-16-KiB", "over-16-KiB"],
)
def test_the_server_protocol_limits(server: AppServer, lines: list[bytes], status: bytes) -> None:
    assert raw_request(server.port, lines).split(b" ")[1] == status


@pytest.mark.parametrize(
    "headers",
    [
        [("x-a", "1")] * MAX_HEADER_FIELDS,
        [("x-a", "a" * MAX_HEADER_BYTES)],
    ],
    ids=["101-fields", "over-16-KiB"],
)
async def test_the_edge_refuses_what_another_server_let_through(
    api: testing.ASGIConductor, headers: list[tuple[str, str]]
) -> None:
    result = await api.simulate_post("/notices", headers=headers)

    assert_problem(result, 431)
    assert (await api.simulate_get("/notices")).json["total"] == 0
