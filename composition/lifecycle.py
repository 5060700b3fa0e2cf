"""What happens on ASGI lifespan: backends that need it start (a schema migrated), connections
are made on first use, and every backend is closed on shutdown."""

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


class Backends:
    """Starts backends in order before serving; closes them in reverse order of creation, once;
    one failing to close does not keep others open."""

    def __init__(
        self, closeables: Sequence[Closeable], startables: Sequence[Startable] = ()
    ) -> None:
        self._closeables = list(closeables)
        self._startables = list(startables)

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
