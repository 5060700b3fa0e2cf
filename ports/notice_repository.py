"""The `NoticeRepository` port: the system of record for notices."""

from datetime import datetime
from typing import Protocol

from domain.model.notices import Notice, NoticeDraft, NoticePage
from domain.model.paging import PageRequest


class NoticeRepository(Protocol):
    """Durable storage of notices.

    Contract:
    - `add` assigns increasing ids (a later `add` gets a larger id) and returns once the notice
      is durable: every later `get` and `page`, from any instance, sees it.
    - `page` lists newest first (highest id first) with the `total` at the time of the read.
    - `get` of an unknown id returns None.
    - Failures raise `BackendUnavailable` / `BackendTimeout`; nothing else escapes.
    """

    async def add(self, draft: NoticeDraft, *, created_at: datetime) -> Notice: ...

    async def get(self, notice_id: int) -> Notice | None: ...

    async def page(self, request: PageRequest) -> NoticePage: ...
