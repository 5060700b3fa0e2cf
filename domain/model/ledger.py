"""The coupon ledger's feed and archive: entries in flight between the live ledger and the
archive, what an archive write did with them, and how the two differ."""

from collections.abc import Mapping, Sequence
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
    """How the live ledger (what decided the claims) and the archive differ for one event.

    - `missing_in_archive`: coupons the live ledger holds that the archive lacks;
    - `missing_live`: coupons the archive holds that the live ledger lacks (lost by a flush or
      a failover);
    - `conflicts`: coupons one holds that the other cannot take, because it holds another
      number for that user or another user for that number.
    """

    event_id: int
    quantity: int = 0
    """Coupons the event offers (as whichever store has its definition says)."""
    held_live: int = 0
    held_archived: int = 0
    missing_in_archive: tuple[IssuedCoupon, ...] = ()
    missing_live: tuple[IssuedCoupon, ...] = ()
    conflicts: tuple[IssuedCoupon, ...] = ()
    event_missing_live: bool = False
    event_missing_in_archive: bool = False
    in_flight: int = 0
    """Entries of this event still in the feed: not drift, a worker has yet to archive them."""

    @property
    def over_issued(self) -> int:
        """Coupons the live ledger holds beyond the quantity (only `naive` can do that)."""
        return max(0, self.held_live - self.quantity)

    @property
    def clean(self) -> bool:
        return not (
            self.missing_in_archive
            or self.missing_live
            or self.conflicts
            or self.event_missing_live
            or self.event_missing_in_archive
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Differences:
    """Coupon by coupon, how the live ledger's holdings and the archive's differ (each ordered
    by coupon number)."""

    missing_in_archive: tuple[IssuedCoupon, ...]
    missing_live: tuple[IssuedCoupon, ...]
    conflicts: tuple[IssuedCoupon, ...]

    @classmethod
    def between(
        cls, live: Sequence[IssuedCoupon], archived: Sequence[IssuedCoupon]
    ) -> "Differences":
        archived_by_user = {coupon.user_id: coupon for coupon in archived}
        archived_numbers = {coupon.coupon_id: coupon.user_id for coupon in archived}
        live_by_user = {coupon.user_id: coupon for coupon in live}
        live_numbers = {coupon.coupon_id for coupon in live}
        missing_in_archive, missing_live, conflicts = [], [], []
        for coupon in live:
            match archived_by_user.get(coupon.user_id):
                case None if (
                    archived_numbers.get(coupon.coupon_id, coupon.user_id) == coupon.user_id
                ):
                    missing_in_archive.append(coupon)
                case None:
                    conflicts.append(coupon)  # the number is archived for someone else
                case other if other.coupon_id != coupon.coupon_id:
                    conflicts.append(coupon)  # the user is archived with another number
        for coupon in archived:
            if coupon.user_id in live_by_user:
                continue
            if coupon.coupon_id in live_numbers:
                conflicts.append(coupon)  # the live ledger gave this number to someone else
            else:
                missing_live.append(coupon)
        return cls(
            missing_in_archive=_ordered(missing_in_archive),
            missing_live=_ordered(missing_live),
            conflicts=_ordered(conflicts),
        )


def _ordered(coupons: list[IssuedCoupon]) -> tuple[IssuedCoupon, ...]:
    return tuple(sorted(coupons, key=lambda c: (c.coupon_id, c.user_id)))
