"""The `UsageLog` port: high-volume ingestion of usage records."""

from typing import Protocol

from domain.model.usage import UsageRecord, UsageStats


class UsageLog(Protocol):
    """An append-only log of usage records per source.

    Contract:
    - `append` returns only once the record is acknowledged by the store; after that it is
      counted by `stats` on every instance.
    - `stats` counts every appended record (`count`) and the distinct `seq` values among them
      (`distinct_seq`); an unknown source has zero of both.
    - Failures raise `BackendUnavailable` / `BackendTimeout`; then the record may or may not
      have been stored (the client retries; `distinct_seq` absorbs the duplicate).
    """

    async def append(self, record: UsageRecord) -> None: ...

    async def stats(self, source: str) -> UsageStats: ...
