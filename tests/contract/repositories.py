"""The notice repository's backends: in this process, a SQLite file, a PostgreSQL database."""

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.inmemory.notice_repository import InMemoryNoticeRepository
from adapters.sql.database import SqlErrors, connect
from adapters.sql.notice_repository import SqlNoticeRepository
from ports.notice_repository import NoticeRepository


class RepositoryBackend(Protocol):
    """One store of notices; each `notices()` is another instance's adapter over it."""

    def notices(self) -> NoticeRepository: ...

    async def close(self) -> None: ...


class InMemoryRepositoryBackend(RepositoryBackend):
    """One list in this process (instances do not share it: there is one)."""

    def __init__(self) -> None:
        self._notices = InMemoryNoticeRepository()

    def notices(self) -> NoticeRepository:
        return self._notices

    async def close(self) -> None:
        return None


class SqlRepositoryBackend(RepositoryBackend):
    """A migrated database; every `notices()` has an engine (a pool) of its own."""

    def __init__(self, url: str, *, deadline_seconds: float) -> None:
        self._url = url
        self._deadline_seconds = deadline_seconds
        self._engines: list[AsyncEngine] = []

    def notices(self) -> NoticeRepository:
        engine = connect(self._url, deadline_seconds=self._deadline_seconds)
        self._engines.append(engine)
        return SqlNoticeRepository(engine, SqlErrors())

    async def close(self) -> None:
        for engine in self._engines:
            await engine.dispose()
