"""Usage use-cases: ingest a record, count what a source sent."""

from domain.model.usage import UsageRecord, UsageStats
from ports.secrets import SecretSource
from ports.usage_log import UsageLog


class RecordUsage:
    """Append a usage record; returns only once the store acknowledged it.

    Each call carries a fresh ingestion id, so a retry inside the adapter stores it once. A
    source's data is kept `retention_seconds` after its last record: whoever holds the
    ingestion credential cannot fill the store for good.
    """

    def __init__(self, log: UsageLog, secrets: SecretSource, *, retention_seconds: int) -> None:
        self._log = log
        self._secrets = secrets
        self._retention_seconds = retention_seconds

    async def __call__(self, record: UsageRecord) -> None:
        await self._log.append(
            record,
            ingestion_id=self._secrets.nonce(),
            retention_seconds=self._retention_seconds,
        )


class ShowUsage:
    """How many records a source sent, and how many distinct sequence numbers."""

    def __init__(self, log: UsageLog) -> None:
        self._log = log

    async def __call__(self, source: str) -> UsageStats:
        return await self._log.stats(source)
