"""`/notices`: the notice board, read through the cache (Level 1)."""

from typing import Final

import falcon.asgi
import orjson

from adapters.http.auth import Guard
from adapters.http.requests import json_fields
from adapters.http.resources.paging import page_request
from adapters.http.responses import send_json
from domain.model.notices import BODY, TITLE, NoticeDraft, NoticePage, notice_payload
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
        self._renderings: dict[int, tuple[NoticePage, bytes]] = {}

    def __call__(self, page: NoticePage) -> bytes:
        remembered = self._renderings.get(id(page))
        if remembered is not None and remembered[0] is page:
            return remembered[1]
        rendered = orjson.dumps(
            {
                "items": [notice_payload(notice) for notice in page.items],
                "limit": page.request.limit,
                "offset": page.request.offset,
                "total": page.total,
            }
        )
        if len(self._renderings) >= self._kept:
            del self._renderings[next(iter(self._renderings))]  # the oldest
        self._renderings[id(page)] = (page, rendered)
        return rendered


class NoticesResource:
    """`GET /notices` (public, `X-Cache` says how it was served), `POST /notices` (admin)."""

    def __init__(self, guard: Guard, post: PostNotice, list_: ListNotices, get: GetNotice) -> None:
        self._guard = guard
        self._post = post
        self._list = list_
        self._get = get
        self._render = RenderedPages()

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        listing = await self._list(page_request(req))
        resp.set_header("X-Cache", listing.cache.value)
        resp.data = self._render(listing.page)
        resp.content_type = "application/json"

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._guard.admin(req)
        with await json_fields(req) as fields:
            title = fields.required("title", TITLE)
            body = fields.required("body", BODY)
        notice = await self._post(NoticeDraft(title=title, body=body))
        resp.location = f"/notices/{notice.id}"
        send_json(resp, notice_payload(notice), status=201)

    async def on_get_notice(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, notice_id: int
    ) -> None:
        send_json(resp, notice_payload(await self._get(notice_id)))
