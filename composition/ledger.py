"""The ledger commands: `redis-practice ledger-worker` and `redis-practice coupons reconcile`.

Both run on the adapters of the configured profile (`redis` or `sentinel`: the memory profile
keeps its ledger inside the serving process, where nothing else can reach it)."""

import asyncio
import contextlib
import logging
import signal
import sys
import time
from typing import TextIO

from adapters.ledger_entries import epoch_ms
from composition.lifecycle import BackgroundTask
from composition.root import Assembly, build
from composition.settings import Settings
from domain.model.coupons import IssuedCoupon
from domain.model.errors import NotFound
from domain.model.ledger import Drift
from domain.usecases.archiving import ArchiveIssuedCoupons
from domain.usecases.reconciling import Reconciliation
from ports.errors import PortError

log = logging.getLogger(__name__)

EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_NO_EVENT = 4
EXIT_CODES = (
    "exit status: 0 clean (after the fix), 1 drift remains, 2 usage error, 3 a store is "
    "unreachable, 4 no such event"
)
PROGRESS_SECONDS = 5.0


def refuse_memory(settings: Settings, command: str) -> int | None:
    if settings.profile.in_process:
        print(
            f"redis-practice: {command} needs APP_PROFILE=redis, sentinel or cluster: the "
            "memory profile keeps its ledger inside the serving process",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return None


def run_worker(settings: Settings, *, progress_seconds: float = PROGRESS_SECONDS) -> int:
    """Run one ledger worker until SIGTERM or SIGINT, with a progress line now and then."""
    refused = refuse_memory(settings, "ledger-worker")
    if refused is not None:
        return refused
    return asyncio.run(_work(build(settings), progress_seconds))


async def _work(built: Assembly, progress_seconds: float) -> int:
    worker = built.ledger_worker()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    backends = built.profile_backends()
    await backends.startup()
    running = BackgroundTask(worker)
    await running.start()
    print(f"ledger worker {worker.consumer}: started", flush=True)
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), progress_seconds)
            await _progress(worker)
    finally:
        await running.close()
        await backends.shutdown()
    print(f"ledger worker {worker.consumer}: stopped", flush=True)
    return 0


async def _progress(worker: ArchiveIssuedCoupons) -> None:
    try:
        backlog = await worker.measure()
    except PortError as error:
        backlog_text = f"backlog unknown ({error})"
    else:
        backlog_text = (
            f"backlog: {backlog.pending} pending, {backlog.unread} unread, "
            f"lag {backlog.lag_seconds:.1f} s"
        )
    print(
        f"ledger worker {worker.consumer}: archived {worker.written}, conflicts "
        f"{worker.conflicts}, parked {worker.parked}, taken over {worker.reclaimed}; "
        f"{backlog_text}",
        flush=True,
    )


def reconcile(
    settings: Settings, event_id: int | None, *, fix: bool, out: TextIO = sys.stdout
) -> int:
    """Print how Redis and the archive differ for one event (None: every event either store
    holds, one after the other); with `fix`, repair and print what remains. See `EXIT_CODES`."""
    refused = refuse_memory(settings, "coupons reconcile")
    if refused is not None:
        return refused
    return asyncio.run(_reconcile(build(settings), event_id, fix, out))


async def _reconcile(built: Assembly, event_id: int | None, fix: bool, out: TextIO) -> int:
    use_case = built.reconcile()
    started = time.monotonic()
    backends = built.profile_backends()
    drifting = 0
    try:
        await backends.startup()
        event_ids = [event_id] if event_id is not None else await use_case.event_ids()
        if event_id is None:
            out.write(f"{len(event_ids)} coupon event(s) in Redis or the archive\n")
        for number in event_ids:
            result = await use_case(number, fix=fix)
            out.write(report(result))
            out.flush()
            final = result.remaining if result.remaining is not None else result.found
            drifting += not final.clean
    except NotFound as error:
        print(f"redis-practice: {error}", file=sys.stderr)
        return EXIT_NO_EVENT
    except PortError as error:
        print(f"redis-practice: a store is unreachable: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    finally:
        await backends.shutdown()
    if event_id is None:
        out.write(f"{len(event_ids) - drifting} clean, {drifting} with drift\n")
    out.write(f"({time.monotonic() - started:.2f} s)\n")
    return EXIT_DRIFT if drifting else 0


def report(result: Reconciliation) -> str:
    """The reconciliation for people: what differs, what was repaired, what remains."""
    lines = describe(result.found)
    if result.remaining is not None:
        lines.append(
            f"--fix: archived {result.archived} coupon(s) only Redis held, put back or moved "
            f"{result.restored} in Redis as the archive holds them (the archive is what users "
            "were told: no claim is answered before its coupon is archived)"
        )
        lines.append("after the fix:")
        lines.extend(f"  {line}" for line in describe(result.remaining))
    return "\n".join(lines) + "\n"


def describe(drift: Drift) -> list[str]:
    lines = [f"event {drift.event_id}: " + ("clean" if drift.clean else "DRIFT")]
    over = f" (over-issued by {drift.over_issued})" if drift.over_issued else ""
    lines.append(
        f"  Redis holds {drift.held_live} coupons{over}, the archive "
        f"{drift.held_archived}, of {drift.quantity} offered"
    )
    if drift.event_missing_live:
        lines.append("  the event is missing in Redis")
    if drift.event_missing_in_archive:
        lines.append("  the event is missing in the archive")
    for title, coupons in (
        ("missing in the archive", drift.missing_in_archive),
        ("missing in Redis", drift.missing_live),
        ("conflicting owners or numbers", drift.conflicts),
    ):
        lines.append(f"  {title}: {len(coupons)}")
        lines.extend(f"    {_coupon(coupon)}" for coupon in coupons[:20])
        if len(coupons) > 20:
            lines.append(f"    ... and {len(coupons) - 20} more")
    if drift.in_flight:
        lines.append(
            f"  {drift.in_flight} entries are still in the ledger feed (not drift: a worker has "
            "yet to archive them; reconcile again once `ledger_lag_seconds` is 0)"
        )
    return lines


def _coupon(coupon: IssuedCoupon) -> str:
    return (
        f"coupon {coupon.coupon_id} user {coupon.user_id!r} "
        f"claimed at {coupon.claimed_at.isoformat()} ({epoch_ms(coupon.claimed_at)} ms)"
    )
