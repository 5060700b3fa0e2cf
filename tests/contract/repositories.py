"""The SQL ports' backends (the notice repository, the coupon archive): in this process, a
SQLite file, a PostgreSQL database."""

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.inmemory.coupon_archive import InMemoryCouponArchive
from adapters.inmemory.notice_repository import InMemoryNoticeRepository
from adapters.sql.coupon_archive import SqlCouponArchive
from adapters.sql.database import SqlErrors, connect
from adapters.sql.notice_repository import SqlNoticeRepository
from ports.coupon_archive import CouponArchive
from ports.notice_repository import NoticeRepository


class RepositoryBackend(Protocol):
    """One store; each `notices()` or `archive()` is another instance's adapter over it."""

    def notices(self) -> NoticeRepository: ...

    def archive(self) -> CouponArchive: ...

    async def close(self) -> None: ...


class InMemoryRepositoryBackend(RepositoryBackend):
    """One list in this process (instances do not share it: there is one)."""

    def __init__(self) -> None:
        self._notices = InMemoryNoticeRepository()
        self._archive = InMemoryCouponArchive()

    def notices(self) -> NoticeRepository:
        return self._notices

    def archive(self) -> CouponArchive:
        return self._archive

    async def close(self) -> None:
        return None


class SqlRepositoryBackend(RepositoryBackend):
    """A migrated database; every `notices()` has an engine (a pool) of its own."""

    def __init__(self, url: str, *, deadline_seconds: float) -> None:
        self._url = url
        self._deadline_seconds = deadline_seconds
        self._engines: list[AsyncEngine] = []

    def notices(self) -> NoticeRepository:
        return SqlNoticeRepository(self._engine(), SqlErrors())

    def archive(self) -> CouponArchive:
        return SqlCouponArchive(self._engine(), SqlErrors())

    def _engine(self) -> AsyncEngine:
        engine = connect(self._url, deadline_seconds=self._deadline_seconds)
        self._engines.append(engine)
        return engine

    async def close(self) -> None:
        for engine in self._engines:
            await engine.dispose()
