"""Connections pinned to one worker of a server (`serve --workers N`).

The workers share one listening socket and the kernel hands each new connection to one of
them; a keep-alive connection then stays with that worker. `pinned` opens connections until
every worker holds enough of them, and finds which worker holds each from the worker
processes' own sockets (psutil), so that a test can write through one worker and read
through another."""

import http.client
import json
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psutil

from tests.support.app_server import AppServer


class Pinned:
    """A keep-alive connection, and the pid of the worker that holds it."""

    worker = 0
    """The pid of the worker that holds it (`pinned` finds it)."""

    def __init__(self, server: AppServer) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        self.call("GET", "/healthz")  # accepted: a worker holds it now

    @property
    def port(self) -> int:
        assert self.connection.sock is not None
        port: int = self.connection.sock.getsockname()[1]
        return port

    def call(
        self, method: str, path: str, body: object = None, headers: Mapping[str, str] = {}
    ) -> tuple[int, Any]:
        """Send a request on this connection: the status and the JSON document (or None)."""
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json", **headers} if data else dict(headers)
        self.connection.request(method, path, body=data, headers=sent)
        response = self.connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload.startswith((b"{", b"[")) else None

    def stream(self, path: str, headers: Mapping[str, str] = {}) -> http.client.HTTPResponse:
        """Start a streamed GET (Server-Sent Events) on this connection; read it with
        `readline()`."""
        self.connection.request("GET", path, headers=dict(headers))
        return self.connection.getresponse()

    def close(self) -> None:
        self.connection.close()


@contextmanager
def pinned(server: AppServer, workers: int, each: int = 1) -> Iterator[list[list[Pinned]]]:
    """`each` connections held by each of the server's `workers`, as one list per worker;
    closed on exit. Waits (up to 30 s) until every worker has started and taken some. (Be
    quick: a worker closes a connection left idle for 5 s.)"""
    held: dict[int, list[Pinned]] = defaultdict(list)
    surplus: list[Pinned] = []
    give_up_at = time.monotonic() + 30
    try:
        while len(held) < workers or any(len(group) < each for group in held.values()):
            if time.monotonic() > give_up_at:
                counts = {pid: len(group) for pid, group in held.items()}
                raise AssertionError(f"connections did not reach {workers} workers: {counts}")
            batch = [Pinned(server) for _ in range(min(each * workers, 64))]
            for connection in _placed(server, batch):
                group = held[connection.worker]
                (group if len(group) < each else surplus).append(connection)
        for connection in surplus:
            connection.close()
        yield list(held.values())
    finally:
        for connection in [*surplus, *(c for group in held.values() for c in group)]:
            connection.close()


def workers_of(server: AppServer) -> list[psutil.Process]:
    """The server's live worker processes (not multiprocessing's resource tracker, nor a
    worker that died and is not reaped yet)."""
    workers = []
    for child in psutil.Process(server.process.pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                workers.append(child)
        except psutil.Error:
            continue
    return workers


def _placed(server: AppServer, batch: list[Pinned]) -> list[Pinned]:
    """The batch, each connection with the worker whose socket is its other end."""
    waiting = {connection.port: connection for connection in batch}
    give_up_at = time.monotonic() + 5
    while waiting:
        for worker in workers_of(server):
            for socket in worker.net_connections(kind="tcp"):
                remote = tuple(socket.raddr)  # () for a listening socket
                if len(remote) == 2 and remote[1] in waiting:
                    waiting.pop(remote[1]).worker = worker.pid
        if waiting and time.monotonic() > give_up_at:
            raise AssertionError(f"no worker holds the connections from ports {list(waiting)}")
    return batch
