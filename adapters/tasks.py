"""Ending the background tasks an adapter started."""

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)


async def cancelled(tasks: Iterable["asyncio.Future[Any]"]) -> None:
    """Cancel `tasks` and wait until every one has ended.

    Not by awaiting each under `suppress(CancelledError)`: that also swallows a cancellation
    of the caller arriving meanwhile, so a loop that was being stopped carries on (the near
    cache's tracking connected again, and its close() waited for it for ever). An error a
    task ended on is retrieved and logged at debug level: the task's owner reports its own.
    """
    pending = set(tasks)
    if not pending:
        return
    for task in pending:
        task.cancel()
    await asyncio.wait(pending)
    for task in pending:
        if not task.cancelled() and task.exception() is not None:
            log.debug("%r ended on %r", task, task.exception())
