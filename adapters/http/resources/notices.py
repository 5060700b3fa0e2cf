"""`/notices`: the notice board, read through the cache (Level 1)."""

from typing import Final

import falcon.asgi

from adapters.http.messages.fields import Id, Paging, page_request
from adapters.http.messages.notices import Notice, NoticeDraft, NoticePage
from adapters.http.routing import Auth, Header, Operation, Route, ok
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


ROUTES: Final = (
    Route(
        path="/notices",
        resource=NoticesResource,
        operations=(
            Operation(
                method="GET",
                handler=NoticesResource.list_page,
                summary="List notices, newest first, through the cache",
                reply=ok(200, "A page", NoticePage, Header.X_CACHE),
                query=Paging,
            ),
            Operation(
                method="POST",
                handler=NoticesResource.post,
                summary="Post a notice; invalidates every cached page",
                reply=ok(201, "Posted", Notice, Header.LOCATION),
                body=NoticeDraft,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/notices/{notice_id}",
        resource=NoticesResource,
        params={"notice_id": Id},
        operations=(
            Operation(
                method="GET",
                handler=NoticesResource.get,
                summary="One notice",
                reply=ok(200, "The notice", Notice),
            ),
        ),
    ),
)
