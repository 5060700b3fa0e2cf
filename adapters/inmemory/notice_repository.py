"""In-memory `NoticeRepository`: a list in id order."""

from datetime import datetime

from adapters.inmemory.round_trip import round_trip
from domain.model.notices import Notice, NoticeDraft, NoticePage
from domain.model.paging import PageRequest
from ports.notice_repository import NoticeRepository


class InMemoryNoticeRepository(NoticeRepository):
    """Notices in insertion order; ids are positions + 1."""

    def __init__(self) -> None:
        self._notices: list[Notice] = []

    async def add(self, draft: NoticeDraft, *, created_at: datetime) -> Notice:
        await round_trip()
        notice = Notice(
            id=len(self._notices) + 1, title=draft.title, body=draft.body, created_at=created_at
        )
        self._notices.append(notice)
        return notice

    async def get(self, notice_id: int) -> Notice | None:
        await round_trip()
        if 1 <= notice_id <= len(self._notices):
            return self._notices[notice_id - 1]
        return None

    async def page(self, request: PageRequest) -> NoticePage:
        await round_trip()
        total = len(self._notices)
        # Newest first: position `offset` from the end, going backwards.
        newest = total - request.offset
        oldest = max(0, newest - request.limit)
        items = tuple(reversed(self._notices[oldest:newest])) if newest > 0 else ()
        return NoticePage(request=request, items=items, total=total)
