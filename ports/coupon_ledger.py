"""The `CouponLedger` port: coupon events and who holds which coupon (what decides claims)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.model.coupons import ClaimResult, ClaimsPage, Coupon, CouponEvent, IssuedCoupon
from domain.model.identity import UserId
from domain.model.paging import PageRequest


class CouponLedger(Protocol):
    """Coupon events and their claims. `issued` is the number of users holding a coupon.

    Contract:
    - `new_event_id` hands out increasing ids; `skip_event_ids(through)` makes sure none of
      them is `through` or lower from then on; `open` stores an event (idempotent) with nothing
      issued, and from then on every coupon it issues goes to the ledger feed too.
    - `event` returns the event with its current `issued`, or None.
    - `claim_atomically` is one atomic step: without the event, `NO_EVENT`; if the user holds a
      coupon of the event, `AlreadyHeld` with it (unless that coupon was granted to the same
      `claim_token`: then that `Claimed` again, so a retried call cannot look like a second
      claim); if `issued >= quantity`, `SOLD_OUT`; otherwise it gives the user coupon number
      `issued + 1`, and appends it to the feed in the same step (never one without the other).
      Under any concurrency it never grants more than `quantity` nor two coupons to one user.
    - The primitives below are single steps with no atomicity between them. Composed as
      check-then-act they race, which the `naive` strategy shows and the `lock` strategy
      prevents by holding a `Lock` around them:
      - `issued` reads the count;
      - `holder_coupon` reads the user's coupon, if any;
      - `record` gives `coupon` to its user unless the user already holds one (appending it
        to the feed in the same step when it does), and returns the number the user holds
        now: this coupon's, also on a retry of the same call, or the one held before.
    - `claims` lists coupons by coupon number (ties, which only `naive` can cause, by user id),
      with the total; `holdings` is every coupon of the event with its claim time.
    - `restore` puts back what the archive says was issued: the event if it is gone, and each
      coupon whose user holds none (a coupon a user holds is never replaced); it returns how
      many coupons it put back, and skips the event's id. Nothing restored goes to the feed
      (the archive has it).
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def new_event_id(self) -> int: ...

    async def skip_event_ids(self, through: int) -> None: ...

    async def open(self, event: CouponEvent) -> None: ...

    async def event(self, event_id: int) -> CouponEvent | None: ...

    async def claim_atomically(
        self, event_id: int, user_id: UserId, *, claim_token: str, claimed_at: datetime
    ) -> ClaimResult: ...

    async def issued(self, event_id: int) -> int: ...

    async def holder_coupon(self, event_id: int, user_id: UserId) -> Coupon | None: ...

    async def record(self, coupon: Coupon, *, claimed_at: datetime) -> int: ...

    async def claims(self, event_id: int, request: PageRequest) -> ClaimsPage: ...

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]: ...

    async def restore(self, event: CouponEvent, coupons: Sequence[IssuedCoupon]) -> int: ...
