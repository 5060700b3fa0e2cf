"""The simulated network round trip every in-memory adapter call makes."""

import asyncio


async def round_trip() -> None:
    """Yield to the event loop once, as awaiting a server's reply would.

    Call it first, then do the whole operation without awaiting again: like a command on a
    single-threaded server, the operation is then atomic, but other tasks run before it.
    """
    await asyncio.sleep(0)
