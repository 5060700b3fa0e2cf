"""The `CouponLedger` port: coupon events and who holds which coupon (what decides claims)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.model.coupons import (
    AlreadyHeld,
    ClaimResult,
    ClaimsPage,
    Coupon,
    CouponEvent,
    IssuedCoupon,
    Stock,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest


class CouponLedger(Protocol):
    """The live ledger: coupon events and who holds which coupon, shared by every instance;
    what decides claims. The archive (`CouponArchive`) is the durable record it answers to: a
    coupon is only ever promised to a user once the archive holds it, and where the two
    disagree (the live ledger lost data), the archive is right.

    Contract:
    - `new_event_id` hands out increasing ids; `skip_event_ids(through)` makes sure none of
      them is `through` or lower from then on; `open` stores an event (idempotent) with nothing
      issued, and from then on every coupon it issues goes to the ledger feed too.
    - `event` returns the event with its current `issued`, or None; `event_ids` lists the
      events the ledger holds.
    - `claim_atomically` is one atomic step: without the event, `NO_EVENT`; if the user holds a
      coupon of the event, `AlreadyHeld` with it (unless that coupon was granted to the same
      `claim_token`: then that `Claimed` again, so a retried call cannot look like a second
      claim); if `issued >= quantity`, `SOLD_OUT`; otherwise it gives the user the lowest
      coupon number nobody holds (`issued + 1`, unless numbers were lost and restored), and
      appends it to the feed in the same step (never one without the other). Under any
      concurrency it never grants more than `quantity` nor two coupons to one user, nor one
      number twice.
    - The primitives below are single steps with no atomicity between them. Composed as
      check-then-act they race, which the `naive` strategy shows and the `lock` strategy
      prevents by holding a `Lock` around them:
      - `stock` reads the count and the lowest number nobody holds;
      - `holder_coupon` reads the user's coupon (as `AlreadyHeld`), if any;
      - `record` gives `coupon` to its user unless the user already holds one (appending it
        to the feed in the same step when it does): `Claimed` (this coupon, also on a retry of
        the same call), `AlreadyHeld` (the one held before), or `NO_EVENT` without the event
        (it records nothing then).
    - `confirm` notes that the archive holds a coupon: from then on `AlreadyHeld` says
      `archived`, so refusals can name the coupon without asking the archive.
    - `claims` lists coupons by coupon number (ties, which only `naive` can cause, by user id),
      with the total; `holdings` is every coupon of the event with its claim time.
    - `restore` brings the event in line with what the archive holds: each archived coupon is
      given to its user (confirmed), taking the number back from whoever else holds it live
      (never a confirmed coupon: that one is archived, so it cannot clash); the event's
      definition comes back last, so claims see `NO_EVENT` until every coupon is back. It
      returns how many live coupons it changed (put back, moved or taken back), and skips the
      event's id. Nothing
      restored goes to the feed (the archive has it). Idempotent; an older snapshot of the
      archive applied later changes nothing the newer one put back.
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def new_event_id(self) -> int: ...

    async def skip_event_ids(self, through: int) -> None: ...

    async def open(self, event: CouponEvent) -> None: ...

    async def event(self, event_id: int) -> CouponEvent | None: ...

    async def event_ids(self) -> Sequence[int]: ...

    async def claim_atomically(
        self, event_id: int, user_id: UserId, *, claim_token: str, claimed_at: datetime
    ) -> ClaimResult: ...

    async def stock(self, event_id: int) -> Stock: ...

    async def holder_coupon(self, event_id: int, user_id: UserId) -> AlreadyHeld | None: ...

    async def record(self, coupon: Coupon, *, claimed_at: datetime) -> ClaimResult: ...

    async def confirm(self, coupon: Coupon) -> None: ...

    async def claims(self, event_id: int, request: PageRequest) -> ClaimsPage: ...

    async def holdings(self, event_id: int) -> Sequence[IssuedCoupon]: ...

    async def restore(self, event: CouponEvent, coupons: Sequence[IssuedCoupon]) -> int: ...
