"""Measure `/healthz` latency while one client floods the server with header lines.

Runs the app twice on loopback, side by side in one run: served as `redis-practice serve`
does (httptools with the header cap of `adapters/http/server.py`), and by stock uvicorn
(`--http httptools`, no cap; the edge still answers 431, after the parser has read it all).
For each, a probe thread times `GET /healthz` on its own keep-alive connection while floods
of LINES header lines (8 bytes each) go out one after another.

    .venv/bin/python ops/header_flood.py [LINES] [FLOODS]      # defaults: 300000 3
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

from common import ROOT, free_port


def start(command: list[str], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ADMIN_TOKEN": "flood-measurement-admin-token", "APP_PROFILE": "memory"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the server on port {port} did not start")


def flood(port: int, lines: int) -> str:
    payload = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-F: 1\r\n" * lines + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(payload)
            answer = sock.recv(200)
        except OSError as error:
            return f"connection closed by the server ({type(error).__name__})"
    return answer.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"


def probe(port: int, stop: threading.Event, latencies: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        started = time.perf_counter()
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        latencies.append(time.perf_counter() - started)
        time.sleep(0.002)
    connection.close()


def measure(name: str, command: list[str], port: int, lines: int, floods: int) -> None:
    process = start(command, port)
    try:
        latencies: list[float] = []
        stop = threading.Event()
        prober = threading.Thread(target=probe, args=(port, stop, latencies))
        prober.start()
        time.sleep(0.3)
        answers = [flood(port, lines) for _ in range(floods)]
        time.sleep(0.3)
        stop.set()
        prober.join()
    finally:
        process.terminate()
        process.wait(timeout=10)
    ms = sorted(latency * 1000 for latency in latencies)
    p99 = ms[int(len(ms) * 0.99) - 1]
    print(
        f"{name:<42} healthz probes {len(ms):>5}  p50 {statistics.median(ms):7.2f} ms  "
        f"p99 {p99:8.2f} ms  max {ms[-1]:8.2f} ms  flood answer: {answers[0]}"
    )


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    floods = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(f"{floods} floods of {lines} header lines ({lines * 8 / 1e6:.1f} MB each)")
    port = free_port()
    serve = [sys.executable, "-m", "composition", "serve", "--port", str(port), "--no-access-log"]
    measure("redis-practice serve (header cap)", serve, port, lines, floods)
    port = free_port()
    stock = [
        sys.executable, "-m", "uvicorn", "--factory", "composition.asgi:create_app",
        "--port", str(port), "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    measure("stock uvicorn httptools (no cap)", stock, port, lines, floods)


if __name__ == "__main__":
    main()
