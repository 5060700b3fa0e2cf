"""Reconciling the two stores of the coupon ledger: the live ledger (what decided the claims)
and the archive (what users were told)."""

from dataclasses import dataclass

from domain.model.errors import NotFound
from domain.model.ledger import Differences, Drift
from ports.coupon_archive import CouponArchive
from ports.coupon_ledger import CouponLedger
from ports.ledger_feed import LedgerFeed


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """What reconciling an event found, and (with a fix) what it repaired and what remains."""

    found: Drift
    archived: int = 0
    restored: int = 0
    remaining: Drift | None = None


class ReconcileCoupons:
    """Compare one event's coupons in the live ledger and in the archive; with `fix`, repair.

    The archive is what users were told: no claim is answered before its coupon is archived.
    So a repair first archives what the live ledger holds and the archive lacks (a claim
    whose answer was lost with its process: the ledger worker would archive it too), unless
    the archive holds a coupon that contradicts it; then it brings the live ledger in line
    with the archive: the event and the coupons it lost (a flush, a lost failover) put back,
    and numbers it gave to someone the archive does not know (the `naive` strategy's doubles,
    claims made on a half-restored ledger) taken back. Nobody loses a coupon they were told
    they hold.
    """

    def __init__(self, ledger: CouponLedger, archive: CouponArchive, feed: LedgerFeed) -> None:
        self._ledger = ledger
        self._archive = archive
        self._feed = feed

    async def event_ids(self) -> list[int]:
        """Every event either store holds (the archive has them all, unless it lost data; the
        live ledger has none after a flush)."""
        return sorted({*await self._archive.event_ids(), *await self._ledger.event_ids()})

    async def __call__(self, event_id: int, *, fix: bool) -> Reconciliation:
        found = await self._drift(event_id)
        if not fix or found.clean:
            return Reconciliation(found=found)
        archived = restored = 0
        event = await self._ledger.event(event_id)
        if found.event_missing_in_archive and event is not None:
            await self._archive.add_event(event)
        if found.missing_in_archive:
            archived = (await self._archive.write(found.missing_in_archive)).written
        if found.event_missing_live or found.missing_live or found.conflicts:
            definition = await self._archive.event(event_id)
            assert definition is not None  # one of the two stores has the event
            archived_now = await self._archive.holdings(event_id)
            restored = await self._ledger.restore(definition, archived_now)
        return Reconciliation(
            found=found,
            archived=archived,
            restored=restored,
            remaining=await self._drift(event_id),
        )

    async def _drift(self, event_id: int) -> Drift:
        live_event = await self._ledger.event(event_id)
        archived_event = await self._archive.event(event_id)
        definition = live_event or archived_event
        if definition is None:
            raise NotFound(f"there is no coupon event {event_id}, live or archived")
        live = await self._ledger.holdings(event_id)
        archived = await self._archive.holdings(event_id)
        differences = Differences.between(live, archived)
        return Drift(
            event_id=event_id,
            quantity=definition.quantity,
            held_live=len(live),
            held_archived=len(archived),
            missing_in_archive=differences.missing_in_archive,
            missing_live=differences.missing_live,
            conflicts=differences.conflicts,
            event_missing_live=live_event is None,
            event_missing_in_archive=archived_event is None,
            in_flight=await self._feed.in_flight(event_id),
        )
