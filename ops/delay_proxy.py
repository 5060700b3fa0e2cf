"""A TCP proxy on loopback that delays every byte by a fixed time, each way, in order: a service
instance a few milliseconds from its Redis, on one machine (no `tc netem` needed, and only
the connections sent through it are slowed).

    .venv/bin/python ops/delay_proxy.py --listen 7000 --to 127.0.0.1:6379 --delay-ms 5

In a script: `with delayed("127.0.0.1", 6379, delay_seconds=0.005) as port: ...` runs it in a
thread of its own for as long as the block.
"""

import argparse
import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

from common import free_port

CHUNK = 65536


async def _carry(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay_seconds: float
) -> None:
    """Bytes from `reader` to `writer`, each chunk written `delay_seconds` after it arrived."""
    due: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            at, chunk = await due.get()
            if not chunk:
                break
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            writer.write(chunk)
            await writer.drain()
        writer.close()

    delivering = asyncio.create_task(deliver())
    try:
        while chunk := await reader.read(CHUNK):
            due.put_nowait((time.monotonic() + delay_seconds, chunk))
    except ConnectionError:
        pass
    finally:
        due.put_nowait((0.0, b""))
        with contextlib.suppress(ConnectionError):
            await delivering


async def serve(
    listen_port: int, host: str, port: int, delay_seconds: float, ready: threading.Event | None
) -> None:
    async def connection(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(
            _carry(client_r, server_w, delay_seconds),
            _carry(server_r, client_w, delay_seconds),
            return_exceptions=True,
        )

    server = await asyncio.start_server(connection, "127.0.0.1", listen_port)
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


@contextlib.contextmanager
def delayed(host: str, port: int, *, delay_seconds: float) -> Iterator[int]:
    """A proxy to `host:port` delaying `delay_seconds` each way, in a daemon thread; its port."""
    listen_port, ready = free_port(), threading.Event()
    thread = threading.Thread(
        target=asyncio.run,
        args=(serve(listen_port, host, port, delay_seconds, ready),),
        name="delay-proxy",
        daemon=True,
    )
    thread.start()
    if not ready.wait(5):
        raise SystemExit("delay proxy: did not start")
    yield listen_port  # NOTE: the daemon thread ends with the process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--to", required=True, help="host:port")
    parser.add_argument("--delay-ms", type=float, required=True)
    args = parser.parse_args()
    host, _, port = args.to.rpartition(":")
    print(f"delay proxy: 127.0.0.1:{args.listen} -> {args.to}, {args.delay_ms} ms each way")
    asyncio.run(serve(args.listen, host, int(port), args.delay_ms / 1000, None))


if __name__ == "__main__":
    main()
