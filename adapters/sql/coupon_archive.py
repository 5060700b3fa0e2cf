"""SQL `CouponArchive`: two tables, written idempotently against their unique keys."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import SqlErrors, is_sqlite, utc
from adapters.sql.tables import coupon_events, coupons
from domain.model.coupons import ClaimStrategy, CouponEvent, IssuedCoupon
from domain.model.identity import UserId
from domain.model.ledger import ArchiveReport
from ports.coupon_archive import CouponArchive

_COUPON = (coupons.c.event_id, coupons.c.coupon_id, coupons.c.user_id, coupons.c.claimed_at)


class SqlCouponArchive(CouponArchive):
    """`write` is one transaction: a multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING`,
    then, for the rows it did not insert, one `SELECT` telling a repeat (the same coupon
    archived already) from a conflict (another number for that user, or another user for that
    number)."""

    def __init__(self, engine: AsyncEngine, errors: SqlErrors) -> None:
        self._engine = engine
        self._errors = errors
        self._insert: Any = sqlite.insert if is_sqlite(engine.url) else postgresql.insert

    async def add_event(self, event: CouponEvent) -> bool:
        statement = (
            self._insert(coupon_events)
            .values(
                id=event.id,
                name=event.name,
                quantity=event.quantity,
                strategy=event.strategy.value,
            )
            .on_conflict_do_nothing()
            .returning(coupon_events.c.id)
        )
        with self._errors():
            async with self._engine.begin() as connection:
                stored = (await connection.execute(statement)).first()
        return stored is not None

    async def last_event_id(self) -> int:
        with self._errors():
            async with self._engine.connect() as connection:
                last = await connection.execute(select(func.max(coupon_events.c.id)))
                return int(last.scalar_one() or 0)

    async def event_ids(self) -> Sequence[int]:
        with self._errors():
            async with self._engine.connect() as connection:
                ids = await connection.execute(
                    select(coupon_events.c.id).order_by(coupon_events.c.id)
                )
                return [int(event_id) for event_id in ids.scalars()]

    async def event(self, event_id: int) -> CouponEvent | None:
        issued = (
            select(func.count())
            .select_from(coupons)
            .where(coupons.c.event_id == event_id)
            .scalar_subquery()
        )
        statement = select(
            coupon_events.c.name, coupon_events.c.quantity, coupon_events.c.strategy, issued
        ).where(coupon_events.c.id == event_id)
        with self._errors():
            async with self._engine.connect() as connection:
                row = (await connection.execute(statement)).one_or_none()
        if row is None:
            return None
        name, quantity, strategy, count = row
        return CouponEvent(
            id=event_id,
            name=name,
            quantity=quantity,
            strategy=ClaimStrategy(strategy),
            issued=count,
        )

    async def write(self, issued: Sequence[IssuedCoupon]) -> ArchiveReport:
        if not issued:
            return ArchiveReport()
        insert = (
            self._insert(coupons)
            .values(
                [
                    {
                        "event_id": coupon.event_id,
                        "user_id": coupon.user_id,
                        "coupon_id": coupon.coupon_id,
                        "claimed_at": coupon.claimed_at,
                    }
                    for coupon in issued
                ]
            )
            .on_conflict_do_nothing()
            .returning(coupons.c.event_id, coupons.c.user_id, coupons.c.coupon_id)
        )
        with self._errors():
            async with self._engine.begin() as connection:
                inserted = {tuple(row) for row in await connection.execute(insert)}
                written, refused = _split(issued, inserted)
                archived: dict[tuple[int, str], int] = {}
                if refused:
                    pairs = [(c.event_id, c.user_id) for c in refused]
                    rows = await connection.execute(
                        select(coupons.c.event_id, coupons.c.user_id, coupons.c.coupon_id).where(
                            tuple_(coupons.c.event_id, coupons.c.user_id).in_(pairs)
                        )
                    )
                    archived = {(event, user): number for event, user, number in rows}
        conflicts = tuple(
            c for c in refused if archived.get((c.event_id, c.user_id)) != c.coupon_id
        )
        return ArchiveReport(
            written=written, repeated=len(refused) - len(conflicts), conflicts=conflicts
        )

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]:
        statement = (
            select(*_COUPON)
            .where(coupons.c.event_id == event_id)
            .order_by(coupons.c.coupon_id, coupons.c.user_id)
        )
        return await self._coupons(statement)

    async def coupons_of(self, user_id: UserId) -> Sequence[IssuedCoupon]:
        statement = (
            select(*_COUPON)
            .where(coupons.c.user_id == user_id)
            .order_by(coupons.c.claimed_at.desc(), coupons.c.event_id.desc())
        )
        return await self._coupons(statement)

    async def _coupons(self, statement: Any) -> list[IssuedCoupon]:
        with self._errors():
            async with self._engine.connect() as connection:
                rows = (await connection.execute(statement)).all()
        return [
            IssuedCoupon(
                event_id=event_id,
                coupon_id=coupon_id,
                user_id=UserId(user_id),
                claimed_at=utc(claimed_at),
            )
            for event_id, coupon_id, user_id, claimed_at in rows
        ]


def _split(
    issued: Sequence[IssuedCoupon], inserted: set[tuple[Any, ...]]
) -> tuple[int, list[IssuedCoupon]]:
    """How many of `issued` the insert wrote, and the others (each coupon written counts
    once, however often the batch repeats it)."""
    written, refused = 0, []
    for coupon in issued:
        row = (coupon.event_id, coupon.user_id, coupon.coupon_id)
        if row in inserted:
            inserted.discard(row)
            written += 1
        else:
            refused.append(coupon)
    return written, refused
