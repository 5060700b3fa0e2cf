"""What happens on ASGI lifespan: nothing to open (connections are made on first use), and
every backend closed on shutdown."""

import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Closeable(Protocol):
    """A backend holding connections, tasks or subscribers."""

    async def close(self) -> None: ...


class Backends:
    """Closes backends in reverse order of creation, once; one failing does not keep others
    open."""

    def __init__(self, closeables: Sequence[Closeable]) -> None:
        self._closeables = list(closeables)

    async def startup(self) -> None:
        log.info("backends: %d to close on shutdown", len(self._closeables))

    async def shutdown(self) -> None:
        closeables, self._closeables = self._closeables, []
        for closeable in reversed(closeables):
            try:
                await closeable.close()
            except Exception:
                log.exception("closing %s failed", type(closeable).__name__)
