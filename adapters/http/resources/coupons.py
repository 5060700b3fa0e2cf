"""`/coupon-events`: coupon events and their claims under three strategies (Level 3)."""

import falcon.asgi

from adapters.http.auth import Guard
from adapters.http.requests import json_fields
from adapters.http.resources.paging import page_request
from adapters.http.responses import coupon_json, event_json, send_json
from domain.model.coupons import NAME, QUANTITY, STRATEGY, ClaimStrategy, CouponEventDraft
from domain.usecases.coupons import ClaimCoupon, CreateCouponEvent, ListClaims, ShowCouponEvent


class CouponEventsResource:
    """Create (`POST`, admin), show (`GET /{id}`), claim (`POST /{id}/claims`, user), list the
    claims (`GET /{id}/claims`, admin)."""

    def __init__(
        self,
        guard: Guard,
        create: CreateCouponEvent,
        show: ShowCouponEvent,
        claim: ClaimCoupon,
        list_claims: ListClaims,
    ) -> None:
        self._guard = guard
        self._create = create
        self._show = show
        self._claim = claim
        self._list_claims = list_claims

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._guard.admin(req)
        with await json_fields(req) as fields:
            name = fields.required("name", NAME)
            quantity = fields.required("quantity", QUANTITY)
            strategy = fields.optional("strategy", STRATEGY, ClaimStrategy.ATOMIC)
        event = await self._create(
            CouponEventDraft(name=name, quantity=quantity, strategy=strategy)
        )
        resp.location = f"/coupon-events/{event.id}"
        send_json(resp, event_json(event), status=201)

    async def on_get_event(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, event_id: int
    ) -> None:
        send_json(resp, event_json(await self._show(event_id)))

    async def on_post_claims(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, event_id: int
    ) -> None:
        user_id = await self._guard.user(req)
        coupon = await self._claim(event_id, user_id)
        send_json(resp, coupon_json(coupon), status=201)

    async def on_get_claims(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, event_id: int
    ) -> None:
        await self._guard.admin(req)
        claims = await self._list_claims(event_id, page_request(req))
        send_json(
            resp,
            {
                "total": claims.total,
                "items": [
                    {"user_id": coupon.user_id, "coupon_id": coupon.coupon_id}
                    for coupon in claims.items
                ],
            },
        )
