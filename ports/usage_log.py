"""The `UsageLog` port: high-volume ingestion of usage records."""

from typing import Final, Protocol

from domain.model.usage import UsageRecord, UsageStats

INGESTION_MEMORY_SECONDS: Final = 300
"""How long an applied ingestion id is remembered; retries come within seconds."""


class UsageLog(Protocol):
    """An append-only log of usage records per source.

    Contract:
    - `append` returns only once the record is acknowledged by the store; after that it is
      counted by `stats` on every instance.
    - It is idempotent per `ingestion_id`: repeating a call with the same id (a retry inside
      the adapter after a lost reply) stores the record once, for at least
      `INGESTION_MEMORY_SECONDS`. So `count` is what was acknowledged, never more.
    - `stats` counts every appended record (`count`) and the distinct `seq` values among them
      (`distinct_seq`); an unknown source has zero of both.
    - A source's data expires `retention_seconds` after its last append (each append renews
      it): then it reads as unknown, and nothing of it is left in the store.
    - Failures raise `BackendUnavailable` / `BackendTimeout`; then the record may or may not
      have been stored (the client retries with a new request; `distinct_seq` absorbs it).
    """

    async def append(
        self, record: UsageRecord, *, ingestion_id: str, retention_seconds: int
    ) -> None: ...

    async def stats(self, source: str) -> UsageStats: ...
