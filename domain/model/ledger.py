"""The coupon ledger's feed and archive: entries in flight between Redis and SQL, what an
archive write did with them, and how the two stores differ."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.model.coupons import IssuedCoupon


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One entry of the ledger feed: `issue` when it reads as one, else the raw fields and
    why they do not (a poison entry, to be parked, never retried)."""

    event_id: int
    entry_id: str
    issue: IssuedCoupon | None
    raw: Mapping[str, str] = field(default_factory=dict)
    problem: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Backlog:
    """What the archive has not acknowledged yet: entries handed to a consumer and not
    acknowledged (`pending`), entries nobody has read (`unread`), and the age in seconds of the
    oldest of either (0 when there is none)."""

    pending: int
    unread: int
    lag_seconds: float

    @property
    def empty(self) -> bool:
        return self.pending == 0 and self.unread == 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveReport:
    """What one archive write did: rows `written`, entries `repeated` (already archived, the
    same: a retry or a reclaimed entry), and `conflicts`: entries the unique keys refused
    because another owner or another number is archived (only the `naive` strategy makes
    them)."""

    written: int = 0
    repeated: int = 0
    conflicts: tuple[IssuedCoupon, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Drift:
    """How Redis (what decided the claims) and the archive differ for one event.

    - `missing_in_archive`: coupons Redis holds that the archive lacks;
    - `missing_in_redis`: coupons the archive holds that Redis lacks (lost by a flush or a
      failover);
    - `conflicts`: coupons Redis holds that the archive cannot take, because it holds another
      number for that user or another user for that number.
    """

    event_id: int
    quantity: int = 0
    """Coupons the event offers (as whichever store has its definition says)."""
    held_in_redis: int = 0
    held_in_archive: int = 0
    missing_in_archive: tuple[IssuedCoupon, ...] = ()
    missing_in_redis: tuple[IssuedCoupon, ...] = ()
    conflicts: tuple[IssuedCoupon, ...] = ()
    event_missing_in_redis: bool = False
    event_missing_in_archive: bool = False
    in_flight: int = 0
    """Entries of this event still in the feed: not drift, a worker has yet to archive them."""

    @property
    def over_issued(self) -> int:
        """Coupons Redis holds beyond the quantity (only `naive` can do that)."""
        return max(0, self.held_in_redis - self.quantity)

    @property
    def clean(self) -> bool:
        return not (
            self.missing_in_archive
            or self.missing_in_redis
            or self.conflicts
            or self.event_missing_in_redis
            or self.event_missing_in_archive
        )
