"""Level 3's claims per second for several builds side by side in one run: the k6 herd
(`k6/level3-coupons.ts`: every claimer at once) against an instance of each build, in turn,
round after round, so that a machine whose speed drifts slows every build alike.

    .venv/bin/python ops/claim_rate.py --build before=/tmp/before --build after=. \\
        [--strategy atomic --strategy lock] [--rounds 3] [--users 5000] [--vus 1000] \\
        [--quantity 100]

Each build is a checkout directory served on the redis profile (its own instance, one Redis
and one PostgreSQL for all). Prints each herd's claims/s (claim requests answered per second
between the first claim sent and the last answer) and, per build and strategy, the median and
its ratio to the first build. k6's summaries go to reports/<time>-claim-rate/.

    git worktree add /tmp/before f0459d6
"""

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import load
import load_report
import stack
from common import ROOT, checkout, speaker

say = speaker("claim-rate")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=checkout, action="append", required=True)
    parser.add_argument("--strategy", action="append", choices=["atomic", "lock", "naive"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--vus", type=int, default=1000)
    parser.add_argument("--quantity", type=int, default=100)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    strategies = args.strategy or ["atomic", "lock"]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = ROOT / "reports" / f"{stamp}-claim-rate"
    report.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="claim-rate-"))
    rates: dict[tuple[str, str], list[float]] = {}
    herd = {"USERS": str(args.users), "VUS": str(args.vus), "QUANTITY": str(args.quantity)}
    try:
        with stack.servers(work) as servers:
            # Every herd logs the same users in again: more than 3 codes per user per window.
            bases = {
                name: servers.app(name, path, OTP_ISSUE_LIMIT="100000") for name, path in args.build
            }
            for round_ in range(args.rounds):
                names = list(bases)
                names = names[round_ % len(names) :] + names[: round_ % len(names)]
                for strategy in strategies:
                    for name in names:
                        run = load.Run(
                            f"{name}-{strategy}-{round_}",
                            "level3-coupons.ts",
                            {"BASE_URL": bases[name], "STRATEGY": strategy, **herd},
                            must_pass=False,
                        )
                        load.k6(run, report, {"ADMIN_TOKEN": servers.admin_token})
                        rate = load_report.claims_per_second(run)
                        rates.setdefault((name, strategy), []).append(rate)
                        say(
                            f"round {round_ + 1}/{args.rounds} {strategy} {name}: "
                            f"{rate:.0f} claims/s, k6 exit {run.status}"
                        )
    except KeyboardInterrupt:
        say("interrupted: everything started was stopped")
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    first = args.build[0][0]
    print(f"\n| strategy | build | claims/s per round | median | vs {first} |")
    print("|---|---|---|---:|---:|")
    for strategy in strategies:
        reference = statistics.median(rates[first, strategy])
        for name, _ in args.build:
            values = rates[name, strategy]
            median = statistics.median(values)
            rounds = ", ".join(f"{value:.0f}" for value in values)
            print(f"| {strategy} | {name} | {rounds} | {median:.0f} | {median / reference:.2f} |")
    print(f"\nk6 summaries: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
