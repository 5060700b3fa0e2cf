"""A level-3 herd during a cluster chaos run: coupon events opened on every shard and claimed
at once by k6 (k6/level3-coupons.ts) while slots move under it. What must still hold after:
exactly the quantity per event (the k6 thresholds), no 5xx but 503, every coupon archived and
`coupons reconcile --all` clean."""

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import load
import stack
from common import call_json, ledger_waiting, speaker

from adapters.ledger_entries import feed_partition
from adapters.redis import keys

say = speaker("chaos")


@dataclass
class HerdOutcome:
    """What the herd saw and left."""

    events: list[int] = field(default_factory=list)
    passed: bool = False
    """k6's thresholds: exactly the quantity per event, no number or user twice."""
    statuses: dict[int, int] = field(default_factory=dict)
    reconcile_exit: int | None = None
    reconcile_last: str = ""
    moved_seconds: float = 0.0
    """How long the slots took to move (the reshard or the rebalance)."""


class Herd:
    """`users` claimers over `events` events of `quantity` coupons each, `vus` at a time."""

    def __init__(
        self,
        base: str,
        admin_token: str,
        environment: dict[str, str],
        work: Path,
        *,
        events: int = 10,
        quantity: int = 100,
        users: int = 4000,
        vus: int = 100,
    ) -> None:
        self._base, self._admin = base, admin_token
        self._environment = environment
        self._work = work
        self._quantity, self._users, self._vus = quantity, users, vus
        self.outcome = HerdOutcome()
        for n in range(events):
            status, event = call_json(
                "POST",
                f"{base}/coupon-events",
                {"name": f"chaos herd {n}", "quantity": quantity, "strategy": "atomic"},
                admin_token,
            )
            if status != 201:
                raise SystemExit(f"chaos: opening a coupon event answered {status}: {event}")
            self.outcome.events.append(int(event["id"]))
        self._process: subprocess.Popen[bytes] | None = None

    def keys(self) -> list[str]:
        """One key of each slot the events' keys live in (adapters/redis/keys.py)."""
        # NOTE: an event's keys carry its feed partition's tag: one key per partition.
        partitions = {feed_partition(event_id): event_id for event_id in self.outcome.events}
        return [keys.coupon_event(event_id) for _, event_id in sorted(partitions.items())]

    def start(self) -> None:
        env = {
            **os.environ,
            "BASE_URL": self._base,
            "ADMIN_TOKEN": self._admin,
            "STRATEGY": "atomic",
            "USERS": str(self._users),
            "VUS": str(self._vus),
            "QUANTITY": str(self._quantity),
            "EVENT_IDS": ",".join(map(str, self.outcome.events)),
            "K6_NO_USAGE_REPORT": "true",
        }
        command = [
            os.environ.get("K6", str(stack.VENV_BIN / "k6")), "run", "--quiet", "--no-color",
            "--address", "127.0.0.1:0",  # the ingestion's k6 holds the default API port
            "--out", f"json={self._work / 'herd.json'}", str(load.K6_DIR / "level3-coupons.ts"),
        ]  # fmt: skip
        say(
            f"herd: {self._users} claimers, {self._vus} at a time, over events "
            f"{self.outcome.events} of {self._quantity} coupons"
        )
        self._process = subprocess.Popen(  # noqa: S603 - k6 on loopback
            command, env=env, cwd=load.K6_DIR, stdout=subprocess.DEVNULL
        )

    def wait_claiming(self, seconds: float = 120) -> None:
        """Until the first coupon is issued: the herd's users are logged in and claiming."""
        give_up_at = time.monotonic() + seconds
        first = self.outcome.events[0]
        while time.monotonic() < give_up_at:
            status, event = call_json("GET", f"{self._base}/coupon-events/{first}")
            if status == 200 and int(event.get("issued", 0)) > 0:
                return
            time.sleep(0.05)
        raise SystemExit("chaos: the herd did not start claiming")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)

    def finish(self) -> HerdOutcome:
        """Wait for k6, then for the ledger to archive everything, then reconcile."""
        assert self._process is not None
        self.outcome.passed = self._process.wait() == 0
        with (self._work / "herd.json").open() as lines:
            for line in lines:
                point = json.loads(line)
                if point.get("metric") != "http_req_duration" or point.get("type") != "Point":
                    continue
                tags = point["data"]["tags"]
                if tags.get("step") == "claim":
                    status = int(tags.get("status", 0))
                    self.outcome.statuses[status] = self.outcome.statuses.get(status, 0) + 1
        give_up_at = time.monotonic() + 60
        while ledger_waiting([self._base]) and time.monotonic() < give_up_at:
            time.sleep(0.2)
        done = subprocess.run(  # noqa: S603 - our own console script
            [str(stack.VENV_BIN / "redis-practice"), "coupons", "reconcile", "--all"],
            env={**os.environ, **self._environment},
            capture_output=True,
            text=True,
            check=False,
        )
        self.outcome.reconcile_exit = done.returncode
        totals = [line for line in done.stdout.splitlines() if re.search(r"\d+ clean", line)]
        self.outcome.reconcile_last = totals[-1] if totals else done.stdout.strip()[-200:]
        return self.outcome
