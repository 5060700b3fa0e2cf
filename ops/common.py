"""What the ops scripts share: where the project is, free ports (with their cluster bus port
for cluster nodes), progress lines, the command-line choice of a build, JSON calls to an
instance on loopback, the ledger backlog its /metrics report, and child processes."""

import argparse
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


BUS_OFFSET = 10_000
"""A cluster node also listens on its port + 10,000 (the cluster bus): both must be free."""


def free_node_ports(count: int) -> list[int]:
    """`count` loopback ports free now, each with its cluster bus port free too."""
    found: list[int] = []
    while len(found) < count:
        port = free_port()
        if port + BUS_OFFSET > 65_535 or port in found:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + BUS_OFFSET))
            except OSError:
                continue
        found.append(port)
    return found


def speaker(name: str) -> Callable[[str], None]:
    """`say(message)` for a script: one progress line, `name: message`, flushed at once."""

    def say(message: str) -> None:
        print(f"{name}: {message}", flush=True)

    return say


def checkout(raw: str) -> tuple[str, Path]:
    """`--build NAME=DIR`: a name, and a checkout directory of this project (argparse type)."""
    name, _, directory = raw.partition("=")
    path = Path(directory).resolve()
    if not name or not (path / "composition").is_dir():
        raise argparse.ArgumentTypeError(f"not NAME=CHECKOUT_DIRECTORY: {raw!r}")
    return name, path


def call_json(
    method: str, url: str, body: object = None, token: str = "", *, timeout: float = 10
) -> tuple[int, dict[str, Any]]:
    """A JSON request to a loopback instance: its status and JSON document, errors included."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        document = json.loads(error.read() or b"{}")
        error.close()
        return error.code, document


def login(base: str, user: str) -> str:
    """A session token of `user` (the instance exposes OTP codes: OTP_EXPOSE_CODE=true)."""
    _, issued = call_json("POST", f"{base}/otp", {"user_id": user})
    _, session = call_json("POST", f"{base}/otp/verify", {"user_id": user, "code": issued["code"]})
    return str(session["token"])


def scrape(base: str) -> dict[str, float]:
    """Every series of a loopback instance's /metrics, by name with its labels."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310
        lines = response.read().decode().splitlines()
    series = (line.rpartition(" ") for line in lines if line and not line.startswith("#"))
    return {name: float(value) for name, _, value in series}


def ledger_waiting(bases: list[str]) -> float:
    """Ledger feed entries not archived yet (pending and unread), over the instances' /metrics."""
    total = 0.0
    for base in bases:
        series = scrape(base)
        total += series.get("ledger_pending_entries", 0.0) + series.get(
            "ledger_unread_entries", 0.0
        )
    return total


def children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc; none once it is gone)."""
    listed = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in listed.read_text().split()]
    except FileNotFoundError:
        return []
