"""Usage use-cases: ingest a record, count what a source sent."""

from domain.model.usage import UsageRecord, UsageStats
from ports.secrets import SecretSource
from ports.usage_log import UsageLog


class RecordUsage:
    """Append a usage record; returns only once the store acknowledged it.

    Each call carries a fresh ingestion id, so a retry inside the adapter stores it once.
    """

    def __init__(self, log: UsageLog, secrets: SecretSource) -> None:
        self._log = log
        self._secrets = secrets

    async def __call__(self, record: UsageRecord) -> None:
        await self._log.append(record, ingestion_id=self._secrets.nonce())


class ShowUsage:
    """How many records a source sent, and how many distinct sequence numbers."""

    def __init__(self, log: UsageLog) -> None:
        self._log = log

    async def __call__(self, source: str) -> UsageStats:
        return await self._log.stats(source)
