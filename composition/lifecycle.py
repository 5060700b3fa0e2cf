"""What happens on ASGI lifespan: backends that need it start (a schema migrated), connections
are made on first use, and every backend is closed on shutdown."""

import asyncio
import gc
import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Closeable(Protocol):
    """A backend holding connections, tasks or subscribers."""

    async def close(self) -> None: ...


class Startable(Protocol):
    """A backend with work to do before the first request (a schema to migrate)."""

    async def start(self) -> None: ...


class Worker(Protocol):
    """Work that runs until told to stop (the ledger worker)."""

    consumer: str

    async def run(self, stop: asyncio.Event) -> None: ...


class BackgroundTask:
    """Runs a `Worker` as a task of the app's event loop: started after the backends, stopped
    (and awaited) before they close, so it never uses a closed connection."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._worker.run(self._stop), name=self._worker.consumer)
        log.info("ledger worker %s started", self._worker.consumer)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        try:
            # NOTE: a step ends within a blocking read or one store call; past that, cancel.
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            log.warning("ledger worker %s did not stop in time: cancelled", self._worker.consumer)


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
