"""`/notices`: the notice board, read through the cache (Level 1)."""

import falcon.asgi

from adapters.http.auth import Guard
from adapters.http.requests import json_fields
from adapters.http.resources.paging import page_request
from adapters.http.responses import send_json
from domain.model.notices import BODY, TITLE, NoticeDraft, notice_payload
from domain.usecases.notices import GetNotice, ListNotices, PostNotice


class NoticesResource:
    """`GET /notices` (public, `X-Cache` says how it was served), `POST /notices` (admin)."""

    def __init__(self, guard: Guard, post: PostNotice, list_: ListNotices, get: GetNotice) -> None:
        self._guard = guard
        self._post = post
        self._list = list_
        self._get = get

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        request = page_request(req)
        listing = await self._list(request)
        resp.set_header("X-Cache", listing.cache.value)
        send_json(
            resp,
            {
                "items": [notice_payload(notice) for notice in listing.page.items],
                "limit": request.limit,
                "offset": request.offset,
                "total": listing.page.total,
            },
        )

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
