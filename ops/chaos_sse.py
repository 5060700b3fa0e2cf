"""SSE clients that follow a channel across a chaos run's faults, reconnecting with
`Last-Event-ID`, while a publisher posts numbered events: what each client missed."""

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request

from chaos_model import Outcome
from common import speaker

say = speaker("chaos")


class SseClients:
    """Clients following the channel `chaos` while a publisher posts numbered events on it.
    Each reconnects with `Last-Event-ID` every few seconds (and whenever the stream drops)."""

    CHANNEL = "chaos"
    RECONNECT_SECONDS = 3.0
    PUBLISH_PER_SECOND = 20

    def __init__(self, base: str, clients: int, admin_token: str) -> None:
        self._base = base
        self._port = int(base.rsplit(":", 1)[1])
        self._clients = clients
        self._admin_token = admin_token
        self._received: list[list[int]] = [[] for _ in range(clients)]
        self._last_ids: list[str | None] = [None] * clients
        self._resets = 0
        self._published: list[int] = []
        self._stop = threading.Event()
        self._stop_publishing = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Clients first: publishing begins once every one of them is following."""
        self._threads = [
            threading.Thread(target=lambda: asyncio.run(self._follow_all()), daemon=True),
            threading.Thread(target=self._publish, daemon=True),
        ]
        self._threads[0].start()
        deadline = time.time() + 10
        while None in self._last_ids and time.time() < deadline:
            time.sleep(0.05)
        self._threads[1].start()

    def stop(self) -> None:
        self._stop_publishing.set()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def finish(self, outcome: Outcome) -> None:
        """Stop publishing, let the clients take what is still on its way, count."""
        self._stop_publishing.set()
        self._threads[1].join(timeout=10)
        deadline = time.time() + 10
        published = set(self._published)
        while time.time() < deadline and any(
            not published <= set(received) for received in self._received
        ):
            time.sleep(0.1)
        self.stop()
        outcome.sse_published = len(published)
        missed = [sorted(published - set(received)) for received in self._received]
        outcome.sse_missed = sum(len(numbers) for numbers in missed)
        if outcome.sse_missed:
            say(f"SSE events missed, per client: {[numbers[:10] for numbers in missed]}")
        outcome.sse_duplicates = sum(
            len(received) - len(set(received)) for received in self._received
        )
        outcome.sse_resets = self._resets

    def _publish(self) -> None:
        n = 0
        while not self._stop_publishing.is_set():
            body = json.dumps({"type": "n", "payload": {"n": n}}).encode()
            request = urllib.request.Request(  # noqa: S310 - loopback
                f"{self._base}/events/{self.CHANNEL}",
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self._admin_token}",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if response.status == 202:
                        self._published.append(n)
            except (urllib.error.URLError, OSError):
                pass  # a 503 or a timeout: not acknowledged, not counted
            n += 1
            time.sleep(1 / self.PUBLISH_PER_SECOND)

    async def _follow_all(self) -> None:
        await asyncio.gather(*(self._follow(index) for index in range(self._clients)))

    async def _follow(self, index: int) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stream(index), self.RECONNECT_SECONDS)
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.05)  # reconnect, with the last id seen

    async def _stream(self, index: int) -> None:
        """Follow the channel from the last id this client saw, until the stream ends."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self._port)
        try:
            last_id = self._last_ids[index]
            resume = f"Last-Event-ID: {last_id}\r\n" if last_id else ""  # "": none yet
            writer.write(
                f"GET /events/stream?channel={self.CHANNEL} HTTP/1.1\r\nHost: chaos\r\n"
                f"{resume}\r\n".encode()
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                await asyncio.sleep(0.2)  # a 503 while the bus reconnects: try again
                return
            self._last_ids[index] = self._last_ids[index] or ""  # following: from now on
            buffer = b""
            while True:  # chunked transfer encoding, an event or a comment per chunk
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    return
                buffer += (await reader.readexactly(size + 2))[:-2]
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    self._take(index, block.decode())
        finally:
            writer.close()

    def _take(self, index: int, block: str) -> None:
        fields = dict(
            line.split(": ", 1) for line in block.split("\n") if line and not line.startswith(":")
        )
        if "id" in fields:
            self._last_ids[index] = fields["id"]
        if fields.get("event") == "reset":
            self._resets += 1
        elif fields.get("event") == "n":
            self._received[index].append(json.loads(fields["data"])["n"])
