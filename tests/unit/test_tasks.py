"""`adapters.tasks.cancelled`: background tasks end, and whoever waits for them can still be
cancelled."""

import asyncio

import pytest

from adapters.tasks import cancelled


async def test_every_task_ends_and_none_of_their_errors_escapes() -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    async def failed() -> None:
        raise ConnectionError("gone")

    tasks = [asyncio.create_task(forever()), asyncio.create_task(failed())]
    await asyncio.sleep(0)

    await cancelled(tasks)

    assert tasks[0].cancelled()
    assert isinstance(tasks[1].exception(), ConnectionError)


async def test_a_cancellation_of_the_caller_while_a_task_stops_is_not_swallowed() -> None:
    stopping = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopping.set()
            await asyncio.sleep(0.05)  # NOTE: the stopping takes a while: what is tested

    child = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    closer = asyncio.create_task(cancelled([child]))
    await stopping.wait()

    closer.cancel()

    with pytest.raises(asyncio.CancelledError):
        await closer
    await asyncio.wait({child})
