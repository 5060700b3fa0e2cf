"""The `LedgerFeed` port: issued coupons on their way from the ledger to the archive."""

from collections.abc import Sequence
from typing import Protocol

from domain.model.ledger import Backlog, FeedEntry


class LedgerFeed(Protocol):
    """The entries `CouponLedger` appends as it issues coupons, read by a group of consumers
    that share the work (a consumer group: each entry goes to one consumer at a time).

    Contract:
    - `read` hands `consumer` up to `count` entries no consumer has read yet, oldest first,
      waiting up to `block_seconds` when there are none. An entry read stays pending (the
      consumer's) until acknowledged.
    - `reclaim` hands `consumer` up to `count` pending entries no one has acknowledged for at
      least `idle_seconds` (their consumer died, or is stuck), and makes them its own.
    - `acknowledge` marks entries done, then drops from the feed what every consumer has
      acknowledged (never an entry still pending or unread). Idempotent.
    - `park` moves a poison entry to the dead letters with `reason`, and acknowledges it.
    - `backlog` counts what is pending and unread, and the age of the oldest.
    - `in_flight(event_id)` counts one event's entries not acknowledged yet.
    - `forget_idle_consumers` drops the consumers that hold no pending entry and have not read
      for `idle_seconds` (stopped or dead workers, taken over), and returns how many; one
      that reads again is simply known again.
    - Entries whose fields do not read as an issued coupon come back with `issue=None`.
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def read(
        self, consumer: str, *, count: int, block_seconds: float
    ) -> Sequence[FeedEntry]: ...

    async def reclaim(
        self, consumer: str, *, idle_seconds: float, count: int
    ) -> Sequence[FeedEntry]: ...

    async def acknowledge(self, entries: Sequence[FeedEntry]) -> None: ...

    async def park(self, entry: FeedEntry, reason: str) -> None: ...

    async def backlog(self) -> Backlog: ...

    async def in_flight(self, event_id: int) -> int: ...

    async def forget_idle_consumers(self, idle_seconds: float) -> int: ...
