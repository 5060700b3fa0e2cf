"""Waiting for state another task or process changes, which offers no event to wait on."""

import asyncio
from collections.abc import Callable


async def settled(condition: Callable[[], bool], seconds: float = 15) -> bool:
    """Whether `condition` holds within `seconds` (it fails the test with `TimeoutError`
    otherwise): for server state such as a dropped stream, noticed at its next keep-alive."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - state of the server's, with no event
            await asyncio.sleep(0.02)
    return True
