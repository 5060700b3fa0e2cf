"""A `NoticeRepository` decorator counting the queries that reach the repository."""

from datetime import datetime

from adapters.prometheus.metrics import Metrics
from domain.model.notices import Notice, NoticeDraft, NoticePage
from domain.model.paging import PageRequest
from ports.notice_repository import NoticeRepository


class CountingNoticeRepository(NoticeRepository):
    """Counts each call in `db_queries_total{operation}`, then delegates: the number that
    shows the cache's effect on database load."""

    def __init__(self, inner: NoticeRepository, metrics: Metrics) -> None:
        self._inner = inner
        self._add = metrics.db_queries.labels("add")
        self._get = metrics.db_queries.labels("get")
        self._page = metrics.db_queries.labels("page")

    async def add(self, draft: NoticeDraft, *, created_at: datetime) -> Notice:
        self._add.inc()
        return await self._inner.add(draft, created_at=created_at)

    async def get(self, notice_id: int) -> Notice | None:
        self._get.inc()
        return await self._inner.get(notice_id)

    async def page(self, request: PageRequest) -> NoticePage:
        self._page.inc()
        return await self._inner.page(request)
