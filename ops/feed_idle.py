"""What an idle ledger worker costs once many coupon events have come and gone: one app
instance (redis profile, its own Redis and PostgreSQL) opens `--events` events of one coupon
each, a user claims each (so every one is sold out and archived), the feed drains, and then,
with no request at all, Redis's own counters (`INFO commandstats`) and the instance's CPU time
are read over `--seconds`: the commands per second the idle worker sends, by command.

    .venv/bin/python ops/feed_idle.py [--events 1000] [--seconds 10] [--cluster]

With `--cluster`, on a Redis Cluster of its own (the `cluster` profile), the commands summed over
the masters.

The figure to hold the ledger feed to (issue 20): it should not grow with the number of events
ever opened.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import stack
from common import call_json, ledger_waiting, login, speaker
from throughput import cpu_seconds

say = speaker("feed-idle")


HOUSEKEEPING = {"info", "ping", "replconf", "psync", "cluster", "command"}
"""What servers send each other, and this script's own INFO: not the instance's."""


def command_calls(ports: list[int]) -> dict[str, int]:
    """Calls per command so far, from `INFO commandstats`, summed over the servers."""
    calls: dict[str, int] = {}
    for port in ports:
        info = subprocess.run(  # noqa: S603 - redis-cli on loopback
            ["redis-cli", "-p", str(port), "INFO", "commandstats"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for name, count in re.findall(r"cmdstat_([\w|]+):calls=(\d+)", info):
            calls[name] = calls.get(name, 0) + int(count)
    return calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cluster", action="store_true", help="on a Redis Cluster")
    options = parser.parse_args()
    if not (1 <= options.events <= 5000 and 1 <= options.seconds <= 120):
        parser.error("--events 1-5000, --seconds 1-120 (bounded load on this machine)")
    work = Path(tempfile.mkdtemp(prefix="feed-idle-"))
    with stack.servers(work, cluster=options.cluster) as servers:
        base = servers.app("app")
        server = servers.processes["app"]
        token = login(base, "feed-idle-user")
        started = time.monotonic()
        for n in range(options.events):
            event = servers.post(base, "/coupon-events", {"name": f"e{n}", "quantity": 1})
            status, _ = call_json("POST", f"{base}/coupon-events/{event['id']}/claims", None, token)
            if status != 201:
                raise SystemExit(f"feed-idle: claim on event {event['id']} answered {status}")
            if (n + 1) % 250 == 0:
                say(f"{n + 1} events opened and sold out ({time.monotonic() - started:.0f} s)")
        while ledger_waiting([base]):
            time.sleep(0.5)
        say("the feed is drained; measuring the idle instance")
        time.sleep(2)  # the last requests' own commands are done
        ports = (
            servers.cluster.masters()
            if servers.cluster is not None
            else [int(servers.redis_url.rsplit(":", 1)[1].split("/")[0])]
        )
        before, cpu_before = command_calls(ports), cpu_seconds(server)
        time.sleep(options.seconds)
        after, cpu_after = command_calls(ports), cpu_seconds(server)
    rates = {
        name: (after[name] - before.get(name, 0)) / options.seconds
        for name in after
        if after[name] - before.get(name, 0) > 0 and name.split("|")[0] not in HOUSEKEEPING
    }
    where = f"a cluster ({len(ports)} masters)" if options.cluster else "one Redis"
    print(
        f"\n{options.events} events opened, sold out and archived on {where}; idle for "
        f"{options.seconds:g} s"
    )
    print(f"app CPU: {(cpu_after - cpu_before) / options.seconds:.3f} core")
    print("| command | calls per second |\n|---|---:|")
    for name, rate in sorted(rates.items(), key=lambda item: -item[1]):
        print(f"| {name} | {rate:.1f} |")
    print(f"| all | {sum(rates.values()):.1f} |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
