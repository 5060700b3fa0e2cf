"""Writers that keep appending usage records, each acknowledged or refused: what a failover
test audits afterwards."""

import asyncio
import time
from types import TracebackType

from domain.model.usage import UsageRecord
from ports.errors import BackendUnavailable
from ports.usage_log import UsageLog


class AcknowledgedWriters:
    """`count` tasks appending `source`'s records with seq 0, 1, 2, ...: the seqs acknowledged
    (and when), and how many were refused (a 503: a client would retry)."""

    def __init__(self, usage: UsageLog, source: str, count: int = 4) -> None:
        self._usage = usage
        self._source = source
        self._count = count
        self.acknowledged: list[int] = []
        self.acknowledged_at: list[float] = []
        self.refused = 0
        self._next = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> "AcknowledgedWriters":
        self._tasks = [asyncio.create_task(self._write()) for _ in range(self._count)]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def since(self, moment: float) -> int:
        """Writes acknowledged after `moment` (time.monotonic())."""
        return sum(at > moment for at in self.acknowledged_at)

    async def until_acknowledged(self, count: int, *, after: float, seconds: float) -> None:
        """Wait until `count` writes were acknowledged after `after`, at most `seconds`."""
        async with asyncio.timeout(seconds):
            while self.since(after) < count:  # noqa: ASYNC110 - the writers' progress
                await asyncio.sleep(0.02)

    async def _write(self) -> None:
        while not self._stop.is_set():
            seq, self._next = self._next, self._next + 1
            try:
                record = UsageRecord(source=self._source, seq=seq)
                await self._usage.append(record, ingestion_id=f"w{seq}", retention_seconds=3600)
            except BackendUnavailable:
                self.refused += 1
            else:
                self.acknowledged.append(seq)
                self.acknowledged_at.append(time.monotonic())
