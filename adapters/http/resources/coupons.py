"""`/coupon-events`: coupon events and their claims under three strategies (Level 3)."""

from typing import Final

import falcon.asgi

from adapters.http.messages.coupons import (
    Claims,
    Coupon,
    CouponEvent,
    CouponEventDraft,
    MyCoupons,
)
from adapters.http.messages.fields import Id, Paging, page_request
from adapters.http.routing import Auth, Header, Operation, Route, ok
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


ROUTES: Final = (
    Route(
        path="/coupon-events",
        resource=CouponsResource,
        operations=(
            Operation(
                method="POST",
                handler=CouponsResource.create,
                summary="Open a coupon event",
                reply=ok(201, "Opened", CouponEvent, Header.LOCATION),
                body=CouponEventDraft,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/coupon-events/{event_id}",
        resource=CouponsResource,
        params={"event_id": Id},
        operations=(
            Operation(
                method="GET",
                handler=CouponsResource.show,
                summary="An event with its issued count",
                reply=ok(200, "The event", CouponEvent),
            ),
        ),
    ),
    Route(
        path="/coupon-events/{event_id}/claims",
        resource=CouponsResource,
        params={"event_id": Id},
        operations=(
            Operation(
                method="POST",
                handler=CouponsResource.claim,
                summary="Claim one coupon for the caller",
                description="Durable: a 201, or a 409 carrying a `coupon_id`, is sent only "
                "once the archive (SQL) holds that coupon; with the archive unreachable a "
                "winning claim answers 503, and retrying it names the coupon once archived. "
                "Retry-safe: a claim by a user who holds a coupon of the event answers 409 "
                "with that `coupon_id`, so a client whose 201 was lost learns its coupon by "
                "claiming again. Under the `naive` strategy a 409 without a `coupon_id` means "
                "the race handed this user a number another user holds (the archive refused "
                "it).",
                reply=ok(201, "Claimed", Coupon),
                auth=Auth.USER,
                refusals=(409, 410),
            ),
            Operation(
                method="GET",
                handler=CouponsResource.claims,
                summary="The event's coupons in claim order",
                reply=ok(200, "A page", Claims),
                query=Paging,
                auth=Auth.ADMIN,
            ),
        ),
    ),
    Route(
        path="/me/coupons",
        resource=CouponsResource,
        operations=(
            Operation(
                method="GET",
                handler=CouponsResource.mine,
                summary="The caller's coupons, newest claim first",
                description="From the archive (the durable ledger), which holds every coupon "
                "a claim was answered with: read-your-writes, on any instance.",
                reply=ok(200, "The caller's coupons", MyCoupons),
                auth=Auth.USER,
            ),
        ),
    ),
)
