"""`/coupon-events`: coupon events and their claims under three strategies (Level 3)."""

from falcon.asgi import Request, Response

from adapters.http.messages.coupons import (
    Claims,
    Coupon,
    CouponEvent,
    CouponEventDraft,
    MyCoupons,
)
from adapters.http.messages.fields import Id, Paging, page_request
from adapters.http.routing import Auth, Header, ok, operation
from domain.model.identity import UserId
from domain.usecases.claims import ClaimCoupon
from domain.usecases.coupons import (
    CreateCouponEvent,
    ListClaims,
    ListMyCoupons,
    ShowCouponEvent,
)

CLAIMS = "/coupon-events/{event_id}/claims"


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

    @operation(
        "POST", "/coupon-events", ok(201, "Opened", CouponEvent, Header.LOCATION), auth=Auth.ADMIN
    )
    async def create(self, req: Request, resp: Response, *, body: CouponEventDraft) -> CouponEvent:
        """Open a coupon event."""
        event = await self._create(body.to_domain())
        resp.location = f"/coupon-events/{event.id}"
        return CouponEvent.of(event)

    @operation("GET", "/coupon-events/{event_id}", ok(200, "The event", CouponEvent))
    async def show(self, req: Request, resp: Response, *, event_id: Id) -> CouponEvent:
        """An event with its issued count."""
        return CouponEvent.of(await self._show(event_id))

    @operation("POST", CLAIMS, ok(201, "Claimed", Coupon), auth=Auth.USER, refusals=(409, 410))
    async def claim(self, req: Request, resp: Response, *, event_id: Id, user: UserId) -> Coupon:
        """Claim one coupon for the caller.

        Durable: a 201, or a 409 carrying a `coupon_id`, is sent only once the archive (SQL)
        holds that coupon; with the archive unreachable a winning claim answers 503, and
        retrying it names the coupon once archived. Retry-safe: a claim by a user who holds a
        coupon of the event answers 409 with that `coupon_id`, so a client whose 201 was lost
        learns its coupon by claiming again. Under the `naive` strategy a 409 without a
        `coupon_id` means the race handed this user a number another user holds (the archive
        refused it).
        """
        return Coupon.of(await self._claim(event_id, user))

    @operation("GET", CLAIMS, ok(200, "A page", Claims), auth=Auth.ADMIN)
    async def claims(self, req: Request, resp: Response, *, event_id: Id, query: Paging) -> Claims:
        """The event's coupons in claim order."""
        page = page_request(query.limit, query.offset)
        return Claims.of(await self._list_claims(event_id, page))

    @operation("GET", "/me/coupons", ok(200, "The caller's coupons", MyCoupons), auth=Auth.USER)
    async def mine(self, req: Request, resp: Response, *, user: UserId) -> MyCoupons:
        """The caller's coupons, newest claim first.

        From the archive (the durable ledger), which holds every coupon a claim was answered
        with: read-your-writes, on any instance.
        """
        return MyCoupons.of(await self._mine(user))
