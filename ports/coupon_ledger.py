"""The `CouponLedger` port: coupon events and who holds which coupon."""

from typing import Protocol

from domain.model.coupons import ClaimResult, ClaimsPage, Coupon, CouponEvent, CouponEventDraft
from domain.model.identity import UserId
from domain.model.paging import PageRequest


class CouponLedger(Protocol):
    """Coupon events and their claims. `issued` is the number of users holding a coupon.

    Contract:
    - `create` assigns increasing ids and stores the event with nothing issued.
    - `event` returns the event with its current `issued`, or None.
    - `claim_atomically` is one atomic step: if the user holds a coupon of the event, it returns
      `ALREADY_CLAIMED` (unless that coupon was granted to the same `claim_token`: then it
      returns that `Claimed` again, so a retried call cannot look like a second claim); if
      `issued >= quantity`, `SOLD_OUT`; otherwise it gives the user coupon number `issued + 1`.
      Under any concurrency it never grants more than `quantity` nor two coupons to one user.
    - The primitives below are single steps with no atomicity between them. Composed as
      check-then-act they race, which the `naive` strategy shows and the `lock` strategy
      prevents by holding a `Lock` around them:
      - `issued` reads the count;
      - `holder_coupon` reads the user's coupon, if any;
      - `record` gives `coupon` to its user unless the user already holds one, and returns
        whether the user now holds exactly this coupon (true again on a retry of the same call).
    - `claims` lists coupons by coupon number (ties, which only `naive` can cause, by user id),
      with the total.
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def create(self, draft: CouponEventDraft) -> CouponEvent: ...

    async def event(self, event_id: int) -> CouponEvent | None: ...

    async def claim_atomically(
        self, event: CouponEvent, user_id: UserId, *, claim_token: str
    ) -> ClaimResult: ...

    async def issued(self, event_id: int) -> int: ...

    async def holder_coupon(self, event_id: int, user_id: UserId) -> Coupon | None: ...

    async def record(self, coupon: Coupon) -> bool: ...

    async def claims(self, event_id: int, request: PageRequest) -> ClaimsPage: ...
