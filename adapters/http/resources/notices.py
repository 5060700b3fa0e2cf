"""`/notices`: the notice board, read through the cache (Level 1)."""

from falcon.asgi import Request, Response

from adapters.http.messages.fields import Id, Paging, page_request
from adapters.http.messages.notices import Notice, NoticeDraft, NoticePage
from adapters.http.routing import Auth, Header, ok, operation
from domain.usecases.notices import GetNotice, ListNotices, PostNotice


class NoticesResource:
    """List pages (public, `X-Cache` says how a page was served), post (admin), get one."""

    def __init__(self, post: PostNotice, list_: ListNotices, get: GetNotice) -> None:
        self._post = post
        self._list = list_
        self._get = get

    @operation("GET", "/notices", ok(200, "A page", NoticePage, Header.X_CACHE))
    async def list_page(self, req: Request, resp: Response, *, query: Paging) -> bytes:
        """List notices, newest first, through the cache.

        Read-your-writes: once `POST /notices` has answered 201, no page served afterwards
        omits the new notice, on any instance. With `NEAR_CACHE=true` (each instance keeps
        pages in memory and drops them when Redis pushes an invalidation) this holds as long
        as the push reaches an instance no later than the next request does, so always when
        the instances and Redis share a host. Across hosts, a page may omit the notice for as
        long as the push lags behind (about the instance's one-way delay to Redis), and never
        longer than 2 s: an instance that has not heard from Redis for that long reads through
        to it.
        """
        listing = await self._list(page_request(query.limit, query.offset))
        resp.set_header("X-Cache", listing.cache.value)
        return listing.body

    @operation("POST", "/notices", ok(201, "Posted", Notice, Header.LOCATION), auth=Auth.ADMIN)
    async def post(self, req: Request, resp: Response, *, body: NoticeDraft) -> Notice:
        """Post a notice; invalidates every cached page."""
        notice = await self._post(body.to_domain())
        resp.location = f"/notices/{notice.id}"
        return Notice.of(notice)

    @operation("GET", "/notices/{notice_id}", ok(200, "The notice", Notice))
    async def get(self, req: Request, resp: Response, *, notice_id: Id) -> Notice:
        """One notice."""
        return Notice.of(await self._get(notice_id))
