"""The `SearchHistory` port: each user's latest distinct search terms."""

from typing import Protocol

from domain.model.identity import UserId


class SearchHistory(Protocol):
    """A short, deduplicated, most-recent-first list of terms per user.

    Contract:
    - `record` is atomic: it removes `term` if present, puts it first, keeps the first `keep`
      terms, makes the whole history live `ttl_seconds` from now, and returns the history after
      the change. Concurrent records of one user never leave duplicates or more than `keep`.
    - `recent` returns the history, newest first (empty for an unknown or expired user).
    - Terms compare exactly (case and all).
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def record(
        self, user_id: UserId, term: str, *, keep: int, ttl_seconds: int
    ) -> tuple[str, ...]: ...

    async def recent(self, user_id: UserId) -> tuple[str, ...]: ...
