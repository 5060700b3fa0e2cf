"""`/coupon-events`: coupon events and their claims under three strategies (Level 3)."""

import falcon.asgi

from adapters.http.messages.coupons import (
    Claims,
    Coupon,
    CouponEvent,
    CouponEventDraft,
    MyCoupons,
)
from adapters.http.messages.fields import page_request
from adapters.http.messages.notices import Paging
from domain.model.identity import UserId
from domain.usecases.claims import ClaimCoupon
from domain.usecases.coupons import (
    CreateCouponEvent,
    ListClaims,
    ListMyCoupons,
    ShowCouponEvent,
)


class CouponsResource:
    """Open an event (admin), show it, claim a coupon (user), list the claims (admin), list
    the caller's coupons (user)."""

    def __init__(
        self,
        create: CreateCouponEvent,
        show: ShowCouponEvent,
        claim: ClaimCoupon,
        list_claims: ListClaims,
        mine: ListMyCoupons,
    ) -> None:
        self._create = create
        self._show = show
        self._claim = claim
        self._list_claims = list_claims
        self._mine = mine

    async def create(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, body: CouponEventDraft
    ) -> CouponEvent:
        event = await self._create(body.to_domain())
        resp.location = f"/coupon-events/{event.id}"
        return CouponEvent.of(event)

    async def show(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, event_id: int
    ) -> CouponEvent:
        return CouponEvent.of(await self._show(event_id))

    async def claim(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, event_id: int, user: UserId
    ) -> Coupon:
        return Coupon.of(await self._claim(event_id, user))

    async def claims(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, event_id: int, query: Paging
    ) -> Claims:
        page = page_request(query.limit, query.offset)
        return Claims.of(await self._list_claims(event_id, page))

    async def mine(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, *, user: UserId
    ) -> MyCoupons:
        return MyCoupons.of(await self._mine(user))
