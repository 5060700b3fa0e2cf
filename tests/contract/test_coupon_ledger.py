"""`CouponLedger` contract: events, the atomic claim, and the racy primitives."""

import asyncio

from domain.model.coupons import (
    Claimed,
    ClaimRefusal,
    ClaimStrategy,
    Coupon,
    CouponEvent,
    CouponEventDraft,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from tests.contract.backends import Backend

ALICE, BOB = UserId("alice"), UserId("bob")


async def open_event(backend: Backend, quantity: int = 2) -> CouponEvent:
    return await backend.coupons().create(
        CouponEventDraft(name="launch", quantity=quantity, strategy=ClaimStrategy.ATOMIC)
    )


async def test_events_get_increasing_ids_and_read_back(backend: Backend) -> None:
    first = await open_event(backend)
    second = await open_event(backend, quantity=7)

    assert second.id > first.id
    assert await backend.coupons().event(second.id) == CouponEvent(
        id=second.id, name="launch", quantity=7, strategy=ClaimStrategy.ATOMIC, issued=0
    )
    assert await backend.coupons().event(second.id + 1000) is None


async def test_an_atomic_claim_checks_holder_then_stock(backend: Backend) -> None:
    event = await open_event(backend, quantity=1)
    ledger = backend.coupons()

    granted = await ledger.claim_atomically(event, ALICE, claim_token="t1")
    again = await ledger.claim_atomically(event, ALICE, claim_token="t2")
    late = await ledger.claim_atomically(event, BOB, claim_token="t3")

    assert granted == Claimed(
        coupon=Coupon(event_id=event.id, coupon_id=1, user_id=ALICE), issued=1
    )
    assert again is ClaimRefusal.ALREADY_CLAIMED
    assert late is ClaimRefusal.SOLD_OUT
    stored = await ledger.event(event.id)
    assert stored is not None
    assert (stored.issued, stored.remaining) == (1, 0)


async def test_a_retried_atomic_claim_returns_the_same_coupon(backend: Backend) -> None:
    event = await open_event(backend, quantity=5)
    ledger = backend.coupons()

    first = await ledger.claim_atomically(event, ALICE, claim_token="retry-me")
    retry = await backend.coupons().claim_atomically(event, ALICE, claim_token="retry-me")

    assert retry == first
    assert await ledger.issued(event.id) == 1


async def test_a_herd_of_atomic_claims_issues_exactly_the_quantity(backend: Backend) -> None:
    event = await open_event(backend, quantity=100)

    results = await asyncio.gather(
        *(
            backend.coupons().claim_atomically(event, UserId(f"u{n}"), claim_token=f"t{n}")
            for n in range(2_000)
        )
    )

    granted = [r for r in results if isinstance(r, Claimed)]
    assert len(granted) == 100
    assert sorted(claim.coupon.coupon_id for claim in granted) == list(range(1, 101))
    assert results.count(ClaimRefusal.SOLD_OUT) == 1_900


async def test_record_gives_one_coupon_per_user_and_is_retry_safe(backend: Backend) -> None:
    event = await open_event(backend)
    ledger = backend.coupons()
    coupon = Coupon(event_id=event.id, coupon_id=1, user_id=ALICE)

    assert await ledger.record(coupon) is True
    assert await ledger.record(coupon) is True, "a retry of the same record"
    assert await ledger.record(Coupon(event_id=event.id, coupon_id=2, user_id=ALICE)) is False
    assert await ledger.holder_coupon(event.id, ALICE) == coupon
    assert await ledger.holder_coupon(event.id, BOB) is None
    assert await ledger.issued(event.id) == 1


async def test_claims_list_by_coupon_number_with_the_total(backend: Backend) -> None:
    event = await open_event(backend, quantity=10)
    ledger = backend.coupons()
    for n in range(4):
        await ledger.claim_atomically(event, UserId(f"u{n}"), claim_token=f"t{n}")

    page = await ledger.claims(event.id, PageRequest(limit=2, offset=1))

    assert page.total == 4
    assert [(c.coupon_id, c.user_id) for c in page.items] == [(2, "u1"), (3, "u2")]


async def test_an_unknown_event_has_no_claims(backend: Backend) -> None:
    ledger = backend.coupons()

    assert await ledger.issued(999) == 0
    assert (await ledger.claims(999, PageRequest(limit=5))).total == 0
