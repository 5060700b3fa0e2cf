"""`/notices`: the notice board, read through the cache (Level 1)."""

import falcon.asgi

from adapters.http.messages.fields import page_request
from adapters.http.messages.notices import Notice, NoticeDraft, Paging
from domain.usecases.notices import GetNotice, ListNotices, PostNotice


class NoticesResource:
    """List pages (public, `X-Cache` says how a page was served), post (admin), get one."""

    def __init__(self, post: PostNotice, list_: ListNotices, get: GetNotice) -> None:
        self._post = post
        self._list = list_
        self._get = get

    async def list_page(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, query: Paging
    ) -> bytes:
        listing = await self._list(page_request(query.limit, query.offset))
        resp.set_header("X-Cache", listing.cache.value)
        return listing.body

    async def post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, body: NoticeDraft
    ) -> Notice:
        notice = await self._post(body.to_domain())
        resp.location = f"/notices/{notice.id}"
        return Notice.of(notice)

    async def get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, notice_id: int
    ) -> Notice:
        return Notice.of(await self._get(notice_id))
