"""SQL `NoticeRepository`: one table, a page read from one snapshot."""

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import SqlErrors, is_sqlite, utc
from adapters.sql.tables import notices
from domain.model.notices import Notice, NoticeDraft, NoticePage
from domain.model.paging import PageRequest
from ports.notice_repository import NoticeRepository

_COLUMNS = (notices.c.id, notices.c.title, notices.c.body, notices.c.created_at)


class SqlNoticeRepository(NoticeRepository):
    """INSERT ... RETURNING for `add`; `page` reads the rows and the count in one transaction
    (REPEATABLE READ on PostgreSQL, a WAL read snapshot on SQLite), so the total matches the
    rows it came with."""

    def __init__(self, engine: AsyncEngine, errors: SqlErrors) -> None:
        self._engine = engine
        self._errors = errors
        self._snapshot = (
            engine
            if is_sqlite(engine.url)
            else engine.execution_options(isolation_level="REPEATABLE READ")
        )

    async def add(self, draft: NoticeDraft, *, created_at: datetime) -> Notice:
        statement = (
            insert(notices)
            .values(title=draft.title, body=draft.body, created_at=created_at)
            .returning(notices.c.id)
        )
        with self._errors():
            async with self._engine.begin() as connection:
                notice_id = (await connection.execute(statement)).scalar_one()
        return Notice(id=notice_id, title=draft.title, body=draft.body, created_at=created_at)

    async def get(self, notice_id: int) -> Notice | None:
        with self._errors():
            async with self._engine.connect() as connection:
                row = (
                    await connection.execute(select(*_COLUMNS).where(notices.c.id == notice_id))
                ).one_or_none()
        return None if row is None else _notice(*row)

    async def page(self, request: PageRequest) -> NoticePage:
        rows_statement = (
            select(*_COLUMNS)
            .order_by(notices.c.id.desc())
            .limit(request.limit)
            .offset(request.offset)
        )
        with self._errors():
            async with self._snapshot.begin() as connection:
                rows = (await connection.execute(rows_statement)).all()
                total = await connection.execute(select(func.count()).select_from(notices))
                count = total.scalar_one()
        return NoticePage(request=request, items=tuple(_notice(*row) for row in rows), total=count)


def _notice(notice_id: int, title: str, body: str, created_at: datetime) -> Notice:
    return Notice(id=notice_id, title=title, body=body, created_at=utc(created_at))
