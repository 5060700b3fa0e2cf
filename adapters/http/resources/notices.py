"""`/notices`: the notice board, read through the cache (Level 1)."""

from typing import Final

import falcon.asgi
import msgspec

from adapters.http.messages.fields import page_request
from adapters.http.messages.notices import Notice, NoticeDraft, NoticePage, Paging
from domain.model.notices import NoticePage as Page
from domain.usecases.notices import GetNotice, ListNotices, PostNotice

RENDERINGS_KEPT: Final = 64


class RenderedPages:
    """JSON renderings of the latest pages, by page identity.

    NOTE: an in-memory cache hit returns the very page object stored on the miss, so a cached
    page is rendered once per cache generation rather than once per request (rendering was
    most of a hit's cost). A remote cache decodes a new object per hit: the memo then misses.
    The page is kept with its rendering, so its id cannot be reused while remembered.
    """

    def __init__(self, kept: int = RENDERINGS_KEPT) -> None:
        self._kept = kept
        self._renderings: dict[int, tuple[Page, bytes]] = {}
        self._encode = msgspec.json.Encoder().encode

    def __call__(self, page: Page) -> bytes:
        remembered = self._renderings.get(id(page))
        if remembered is not None and remembered[0] is page:
            return remembered[1]
        rendered = self._encode(NoticePage.of(page))
        if len(self._renderings) >= self._kept:
            del self._renderings[next(iter(self._renderings))]  # the oldest
        self._renderings[id(page)] = (page, rendered)
        return rendered


class NoticesResource:
    """List pages (public, `X-Cache` says how a page was served), post (admin), get one."""

    def __init__(self, post: PostNotice, list_: ListNotices, get: GetNotice) -> None:
        self._post = post
        self._list = list_
        self._get = get
        self._render = RenderedPages()

    async def list_page(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, query: Paging
    ) -> bytes:
        listing = await self._list(page_request(query.limit, query.offset))
        resp.set_header("X-Cache", listing.cache.value)
        return self._render(listing.page)

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
