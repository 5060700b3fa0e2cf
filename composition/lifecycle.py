"""What happens on ASGI lifespan: backends that need it start (a schema migrated), connections
are made on first use, and every backend is closed on shutdown."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

from ports.errors import PortError

log = logging.getLogger(__name__)


class Closeable(Protocol):
    """A backend holding connections, tasks or subscribers."""

    async def close(self) -> None: ...


class Startable(Protocol):
    """A backend with work to do before the first request (a schema to migrate)."""

    async def start(self) -> None: ...


class Worker(Protocol):
    """Work done a step at a time until stopped (the ledger worker): `take` waits for work (and
    may be cancelled while it does), `settle` does it; `pause` and `backoff` say how long to
    wait after a step, and after the n-th store failure in a row."""

    consumer: str

    async def take(self) -> bool: ...

    async def settle(self) -> int: ...

    def pause(self, settled: int, took_seconds: float) -> float: ...

    def backoff(self, failures: int) -> float: ...

    async def measure_when_due(self) -> None: ...


class BackgroundTask:
    """Runs a `Worker` as a task of the app's event loop (or of the ledger-worker command):
    started after the backends, stopped (and awaited) before they close, so it never uses a
    closed connection.

    The loop: take (a stop interrupts the wait for work, never the work), settle, pause as the
    worker says; a store failure (`PortError`) is logged once per outage and retried with the
    worker's backoff, the work in hand kept.
    """

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self.run(), name=self.worker.consumer)
        log.info("ledger worker %s started", self.worker.consumer)

    def stop(self) -> None:
        """Ask the loop to end (it does at its next wait)."""
        self._stop.set()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        try:
            # NOTE: a step ends within a blocking read or one store call; past that, cancel.
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            log.warning("ledger worker %s did not stop in time: cancelled", self.worker.consumer)

    async def run(self) -> None:
        """Steps until stopped."""
        worker, stop = self.worker, self._stop
        clock = asyncio.get_running_loop().time
        failures = 0
        while not stop.is_set():
            started = clock()
            try:
                taken = await _unless_stopped(worker.take(), stop)
                if stop.is_set():
                    break
                settled = await worker.settle() if taken else 0
            except PortError as error:
                failures += 1
                if failures == 1:
                    log.warning("ledger worker %s: %s; retrying", worker.consumer, error)
                await _wait(stop, worker.backoff(failures))
            else:
                if failures:
                    log.info("ledger worker %s: stores reachable again", worker.consumer)
                failures = 0
                await _wait(stop, worker.pause(settled, clock() - started))
            await worker.measure_when_due()


async def _unless_stopped(work: Coroutine[Any, Any, bool], stop: asyncio.Event) -> bool:
    """`work`'s result, or False if `stop` is set first: then `work` is cancelled (a blocking
    read must not hold up a shutdown)."""
    working = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if working in done:
        stopping.cancel()
        return working.result()
    working.cancel()
    with contextlib.suppress(asyncio.CancelledError, PortError):
        await working
    return False


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class Backends:
    """Starts backends in order before serving, then the background tasks; stops the tasks,
    then closes the backends in reverse order of creation, once; one failing to close does
    not keep others open."""

    def __init__(
        self,
        closeables: Sequence[Closeable],
        startables: Sequence[Startable] = (),
        background: Sequence[BackgroundTask] = (),
    ) -> None:
        self.background = tuple(background)
        """The tasks that run while the app serves (the ledger worker, unless it is off)."""
        self._closeables = [*closeables, *background]
        self._startables = [*startables, *background]

    async def startup(self) -> None:
        for startable in self._startables:
            await startable.start()
        log.info("backends: %d to close on shutdown", len(self._closeables))
        # NOTE: what was built so far (modules, adapters, the app) lives as long as the process.
        # Frozen, the collector's full passes stop walking its ~120,000 objects again and
        # again under load (measured with ops/throughput.py).
        gc.freeze()

    async def shutdown(self) -> None:
        closeables, self._closeables = self._closeables, []
        for closeable in reversed(closeables):
            try:
                await closeable.close()
            except Exception:
                log.exception("closing %s failed", type(closeable).__name__)
