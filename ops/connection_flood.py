"""Slowloris and idle sockets against the server: is a new client still served, and are the
slow ones cut at the head deadline?

    .venv/bin/python ops/connection_flood.py [--slow 200] [--idle 10000] [--seconds 20]
        [--build NAME=DIR ...]

For each build (default: this checkout) it starts `redis-practice serve` on the memory profile
on a free loopback port, with its default limits (HTTP_HEAD_TIMEOUT_SECONDS 10,
HTTP_MAX_CONNECTIONS 10000). Then, from this process:

- `--slow` sockets send a request head one byte a second (slowloris);
- `--idle` sockets connect and send nothing;
- a new client times `GET /healthz` on a fresh connection every 0.2 s, for `--seconds`.

It reports the new client's latencies (p50, p99, max, failures), when each slow socket was
closed by the server (relative to its first byte), and how many sockets the server still held
at the end. Exit status 1 when a probe failed or took 100 ms or more, or a slow socket outlived
the head deadline by more than a second. Traffic goes to 127.0.0.1 only; the run is bounded by
`--seconds` (plus the time to open the sockets).
"""

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import stack
from common import ROOT, checkout, speaker

say = speaker("connection-flood")

HEAD_DEADLINE_SECONDS = 10.0
PROBE_LIMIT_MS = 100.0


async def slow_socket(port: int, closed_after: list[float], stop: asyncio.Event) -> None:
    """Trickle a head one byte a second; note how long after its first byte the server closed
    it (by the head deadline, or earlier to make room: see HTTP_MAX_CONNECTIONS)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = b"GET /healthz HTTP/1.1\r\nHost: flood\r\nX-Slow: " + b"a" * 200
    started = time.monotonic()
    try:
        for byte in head:
            if stop.is_set():
                return
            writer.write(bytes([byte]))
            try:
                await asyncio.wait_for(reader.read(1024), 1.0)
            except TimeoutError:
                continue
            if reader.at_eof():
                break
    except OSError:
        pass  # reset by the server
    finally:
        if not stop.is_set():
            closed_after.append(time.monotonic() - started)
        writer.close()


Held = list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]


async def idle_socket(port: int, held: Held) -> None:
    try:
        held.append(await asyncio.open_connection("127.0.0.1", port))
    except OSError:
        return


async def probe(port: int) -> float | None:
    """Milliseconds for GET /healthz on a new connection; None if it failed."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            answer = await reader.read()
            writer.close()
    except (OSError, TimeoutError):
        return None
    if not answer.startswith(b"HTTP/1.1 200 "):
        return None
    return (time.perf_counter() - started) * 1000


async def flood(port: int, options: argparse.Namespace) -> bool:
    stop = asyncio.Event()
    closed_after: list[float] = []
    held: Held = []
    slow = [asyncio.create_task(slow_socket(port, closed_after, stop)) for _ in range(options.slow)]
    for start in range(0, options.idle, 500):
        await asyncio.gather(
            *(idle_socket(port, held) for _ in range(min(500, options.idle - start)))
        )
    say(f"{len(held)} idle sockets open, {options.slow} slow ones trickling")
    latencies: list[float] = []
    failures = 0
    ends_at = time.monotonic() + options.seconds
    while time.monotonic() < ends_at:
        took = await probe(port)
        if took is None:
            failures += 1
        else:
            latencies.append(took)
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*slow)
    still_open = sum(1 for reader, _ in held if not reader.at_eof())
    ms = sorted(latencies)
    p99 = ms[max(0, int(len(ms) * 0.99) - 1)] if ms else float("nan")
    print(
        f"  /healthz from a new client: {len(ms)} answered, {failures} failed; "
        f"p50 {statistics.median(ms) if ms else float('nan'):.1f} ms, p99 {p99:.1f} ms, "
        f"max {ms[-1] if ms else float('nan'):.1f} ms"
    )
    deadline = [after for after in closed_after if after >= HEAD_DEADLINE_SECONDS - 0.5]
    evicted = len(closed_after) - len(deadline)
    print(
        f"  slow sockets closed by the server: {len(closed_after)} of {options.slow}: "
        f"{len(deadline)} at the head deadline"
        + (
            f" ({min(deadline):.1f} to {max(deadline):.1f} s after their first byte)"
            if deadline
            else ""
        )
        + f", {evicted} earlier to make room for new connections"
    )
    print(f"  idle sockets the server had not closed at the end: {still_open} of {len(held)}")
    for _, writer in held:
        writer.close()
    slow_ok = len(closed_after) == options.slow and max(closed_after) < HEAD_DEADLINE_SECONDS + 1
    probes_ok = failures == 0 and bool(ms) and ms[-1] < PROBE_LIMIT_MS
    return slow_ok and probes_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--build", type=checkout, action="append")
    options = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this client's sockets too
    passed = True
    for name, directory in options.build or [("this", ROOT)]:
        work = Path(tempfile.mkdtemp(prefix="connection-flood-"))
        with ExitStack() as cleanup:
            servers = stack.Servers("", "", "flood-admin-token-0123456789", work, cleanup)
            base = servers.app(name, directory, APP_PROFILE="memory")
            port = int(base.rsplit(":", 1)[1])
            print(f"{name}: {options.slow} slow + {options.idle} idle sockets, {base}")
            passed &= asyncio.run(flood(port, options))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
