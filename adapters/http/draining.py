"""The signal that the server is shutting down, shared by the server's protocol and the app."""

import asyncio


class Draining:
    """Set when the server starts shutting down: long-lived responses (event streams) end then,
    instead of being cancelled when the grace period runs out."""

    def __init__(self) -> None:
        self._started = asyncio.Event()

    def start(self) -> None:
        self._started.set()

    @property
    def started(self) -> bool:
        return self._started.is_set()

    async def wait(self) -> None:
        await self._started.wait()
