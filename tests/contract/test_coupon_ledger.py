"""`CouponLedger` contract: events, the atomic claim, the racy primitives, and the ledger feed
every issued coupon goes to."""

import asyncio
from datetime import timedelta

from domain.model.coupons import (
    AlreadyHeld,
    Claimed,
    ClaimRefusal,
    ClaimStrategy,
    Coupon,
    CouponEvent,
    IssuedCoupon,
    Stock,
)
from domain.model.identity import UserId
from domain.model.paging import PageRequest
from tests.contract.backends import Backend
from tests.support.clock import START
from tests.support.coupons import open_event

ALICE, BOB = UserId("alice"), UserId("bob")
LATER = START + timedelta(seconds=7)


async def feed_issues(backend: Backend) -> list[IssuedCoupon]:
    """Every issued coupon in the feed (read by a consumer of the tests' own)."""
    entries = await backend.ledger_feed().read("inspector", count=10_000, block_seconds=0)
    return [entry.issue for entry in entries if entry.issue is not None]


async def test_events_get_increasing_ids_and_read_back(backend: Backend) -> None:
    first = await open_event(backend.coupons())
    second = await open_event(backend.coupons(), quantity=7)

    assert second.id > first.id
    assert await backend.coupons().event(second.id) == CouponEvent(
        id=second.id, name="launch", quantity=7, strategy=ClaimStrategy.ATOMIC, issued=0
    )
    assert await backend.coupons().event(second.id + 1000) is None


async def test_skipped_event_ids_are_never_handed_out(backend: Backend) -> None:
    ledger = backend.coupons()
    first = await ledger.new_event_id()

    await ledger.skip_event_ids(first + 50)
    await ledger.skip_event_ids(first + 10)  # never lowers

    assert await ledger.new_event_id() == first + 51


async def test_opening_an_event_again_changes_nothing(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=3)
    await backend.coupons().claim_atomically(event.id, ALICE, claim_token="t1", claimed_at=START)

    await backend.coupons().open(event)

    stored = await backend.coupons().event(event.id)
    assert stored is not None
    assert (stored.quantity, stored.issued) == (3, 1)


async def test_an_atomic_claim_checks_holder_then_stock(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=1)
    ledger = backend.coupons()

    granted = await ledger.claim_atomically(event.id, ALICE, claim_token="t1", claimed_at=START)
    again = await ledger.claim_atomically(event.id, ALICE, claim_token="t2", claimed_at=START)
    late = await ledger.claim_atomically(event.id, BOB, claim_token="t3", claimed_at=START)

    alices = Coupon(event_id=event.id, coupon_id=1, user_id=ALICE)
    assert granted == Claimed(coupon=alices, issued=1)
    assert again == AlreadyHeld(coupon=alices, claimed_at=START), "the holder learns its coupon"
    assert late is ClaimRefusal.SOLD_OUT
    stored = await ledger.event(event.id)
    assert stored is not None
    assert (stored.issued, stored.remaining) == (1, 0)


async def test_an_atomic_claim_on_no_event_says_so(backend: Backend) -> None:
    result = await backend.coupons().claim_atomically(404, ALICE, claim_token="t", claimed_at=START)

    assert result is ClaimRefusal.NO_EVENT
    assert await feed_issues(backend) == []


async def test_a_retried_atomic_claim_returns_the_same_coupon_and_feeds_it_once(
    backend: Backend,
) -> None:
    event = await open_event(backend.coupons(), quantity=5)
    ledger = backend.coupons()

    first = await ledger.claim_atomically(event.id, ALICE, claim_token="retry-me", claimed_at=START)
    retry = await backend.coupons().claim_atomically(
        event.id, ALICE, claim_token="retry-me", claimed_at=LATER
    )

    assert retry == first
    assert (await ledger.stock(event.id)).issued == 1
    assert await feed_issues(backend) == [
        IssuedCoupon(event_id=event.id, coupon_id=1, user_id=ALICE, claimed_at=START)
    ]


async def test_a_herd_of_atomic_claims_issues_exactly_the_quantity_and_feeds_each(
    backend: Backend,
) -> None:
    event = await open_event(backend.coupons(), quantity=100)

    results = await asyncio.gather(
        *(
            backend.coupons().claim_atomically(
                event.id, UserId(f"u{n}"), claim_token=f"t{n}", claimed_at=START
            )
            for n in range(2_000)
        )
    )

    granted = [r for r in results if isinstance(r, Claimed)]
    assert len(granted) == 100
    assert sorted(claim.coupon.coupon_id for claim in granted) == list(range(1, 101))
    assert results.count(ClaimRefusal.SOLD_OUT) == 1_900
    fed = await feed_issues(backend)
    assert sorted((c.coupon_id, c.user_id) for c in fed) == sorted(
        (claim.coupon.coupon_id, claim.coupon.user_id) for claim in granted
    )


async def test_record_gives_one_coupon_per_user_feeds_it_and_is_retry_safe(
    backend: Backend,
) -> None:
    event = await open_event(backend.coupons())
    ledger = backend.coupons()
    coupon = Coupon(event_id=event.id, coupon_id=1, user_id=ALICE)

    assert await ledger.record(coupon, claimed_at=START) == Claimed(coupon=coupon, issued=1)
    retried = await ledger.record(coupon, claimed_at=LATER)
    assert retried == Claimed(coupon=coupon, issued=1), "a retry of the same record"
    other = Coupon(event_id=event.id, coupon_id=2, user_id=ALICE)
    held = AlreadyHeld(coupon=coupon, claimed_at=START)
    assert await ledger.record(other, claimed_at=LATER) == held, "the coupon held before"
    assert await ledger.holder_coupon(event.id, ALICE) == held
    assert await ledger.holder_coupon(event.id, BOB) is None
    assert await ledger.stock(event.id) == Stock(issued=1, next_number=2)
    assert await feed_issues(backend) == [
        IssuedCoupon(event_id=event.id, coupon_id=1, user_id=ALICE, claimed_at=START)
    ]


async def test_record_on_no_event_says_so_and_records_nothing(backend: Backend) -> None:
    ledger = backend.coupons()
    coupon = Coupon(event_id=404, coupon_id=1, user_id=ALICE)

    assert await ledger.record(coupon, claimed_at=START) is ClaimRefusal.NO_EVENT
    assert await ledger.holder_coupon(404, ALICE) is None
    assert await feed_issues(backend) == []


async def test_a_confirmed_coupon_is_held_as_archived(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=3)
    ledger = backend.coupons()
    await ledger.claim_atomically(event.id, ALICE, claim_token="a", claimed_at=START)
    alices = Coupon(event_id=event.id, coupon_id=1, user_id=ALICE)

    await ledger.confirm(Coupon(event_id=event.id, coupon_id=2, user_id=ALICE))
    unconfirmed = await ledger.holder_coupon(event.id, ALICE)
    await ledger.confirm(alices)
    confirmed = await ledger.claim_atomically(event.id, ALICE, claim_token="b", claimed_at=LATER)

    assert unconfirmed == AlreadyHeld(coupon=alices, claimed_at=START), "not the coupon held"
    assert confirmed == AlreadyHeld(coupon=alices, claimed_at=START, archived=True)
    assert await ledger.holder_coupon(event.id, ALICE) == confirmed


async def test_event_ids_lists_the_events_opened(backend: Backend) -> None:
    first = await open_event(backend.coupons())
    second = await open_event(backend.coupons())

    assert list(await backend.coupons().event_ids()) == [first.id, second.id]


async def test_claims_list_by_coupon_number_with_the_total(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=10)
    ledger = backend.coupons()
    for n in range(4):
        await ledger.claim_atomically(
            event.id, UserId(f"u{n}"), claim_token=f"t{n}", claimed_at=START
        )

    page = await ledger.claims(event.id, PageRequest(limit=2, offset=1))

    assert page.total == 4
    assert [(c.coupon_id, c.user_id) for c in page.items] == [(2, "u1"), (3, "u2")]


async def test_holdings_are_every_coupon_with_its_claim_time(backend: Backend) -> None:
    event = await open_event(backend.coupons(), quantity=3000)
    ledger = backend.coupons()
    await ledger.claim_atomically(event.id, ALICE, claim_token="a", claimed_at=START)
    await ledger.record(Coupon(event_id=event.id, coupon_id=2, user_id=BOB), claimed_at=LATER)
    await asyncio.gather(
        *(
            ledger.claim_atomically(
                event.id, UserId(f"u{n}"), claim_token=f"t{n}", claimed_at=LATER
            )
            for n in range(1_500)
        )
    )

    held = await ledger.holdings(event.id)

    assert len(held) == 1_502, "more than one chunk of the store is read"
    assert held[:2] == [
        IssuedCoupon(event_id=event.id, coupon_id=1, user_id=ALICE, claimed_at=START),
        IssuedCoupon(event_id=event.id, coupon_id=2, user_id=BOB, claimed_at=LATER),
    ]
    assert [c.coupon_id for c in held] == list(range(1, 1_503))


async def test_an_unknown_event_has_no_claims(backend: Backend) -> None:
    ledger = backend.coupons()

    assert await ledger.stock(999) == Stock(issued=0, next_number=1)
    assert (await ledger.claims(999, PageRequest(limit=5))).total == 0
    assert list(await ledger.holdings(999)) == []


async def test_restore_puts_back_a_lost_event_and_its_coupons_confirmed(
    backend: Backend,
) -> None:
    ledger = backend.coupons()
    lost = CouponEvent(id=40, name="lost", quantity=3, strategy=ClaimStrategy.LOCK)
    archived = [
        IssuedCoupon(event_id=40, coupon_id=1, user_id=ALICE, claimed_at=START),
        IssuedCoupon(event_id=40, coupon_id=2, user_id=BOB, claimed_at=LATER),
    ]

    assert await ledger.restore(lost, archived) == 2
    assert await ledger.restore(lost, archived) == 0, "restoring again changes nothing"
    assert await ledger.restore(lost, archived[:1]) == 0, "an older snapshot changes nothing"

    stored = await ledger.event(40)
    assert stored is not None
    assert (stored.name, stored.quantity, stored.strategy, stored.issued) == (
        "lost",
        3,
        ClaimStrategy.LOCK,
        2,
    )
    assert list(await ledger.holdings(40)) == archived
    bobs = await ledger.holder_coupon(40, BOB)
    assert bobs == AlreadyHeld(coupon=archived[1].coupon, claimed_at=LATER, archived=True)
    assert await ledger.new_event_id() > 40, "a restored event's id is never handed out again"
    assert await feed_issues(backend) == [], "restores are not fed"


async def test_restore_takes_back_numbers_the_archive_gave_to_someone_else(
    backend: Backend,
) -> None:
    """The live ledger lost coupons 1 and 2 and numbered new claims from 1 again; the archive
    holds who was told they hold 1 and 2, and wins: those claimers lose the numbers (they were
    never promised them), a user the archive holds with another number moves to it."""
    ledger = backend.coupons()
    event = await open_event(ledger, quantity=5)
    for user in ("carol", "dave"):  # coupons 1 and 2, live only
        await ledger.claim_atomically(event.id, UserId(user), claim_token=user, claimed_at=LATER)
    await ledger.claim_atomically(event.id, ALICE, claim_token="a", claimed_at=LATER)  # 3
    archived = [
        IssuedCoupon(event_id=event.id, coupon_id=1, user_id=ALICE, claimed_at=START),
        IssuedCoupon(event_id=event.id, coupon_id=2, user_id=BOB, claimed_at=START),
    ]

    changed = await ledger.restore(event, archived)

    assert changed == 4, "carol and dave lose 1 and 2, alice moves to 1, bob gets 2"
    held = [(c.coupon_id, c.user_id) for c in await ledger.holdings(event.id)]
    assert held == [(1, "alice"), (2, "bob")]
    assert await ledger.holder_coupon(event.id, UserId("carol")) is None
    assert await ledger.stock(event.id) == Stock(issued=2, next_number=3)


async def test_claims_after_a_restore_fill_the_numbers_nobody_holds_first(
    backend: Backend,
) -> None:
    ledger = backend.coupons()
    event = CouponEvent(id=41, name="gaps", quantity=5, strategy=ClaimStrategy.ATOMIC)
    await ledger.restore(
        event,
        [
            IssuedCoupon(
                event_id=41, coupon_id=number, user_id=UserId(f"kept{number}"), claimed_at=START
            )
            for number in (2, 4)
        ],
    )

    assert await ledger.stock(41) == Stock(issued=2, next_number=1)
    numbers = []
    for n in range(4):
        claimed = await ledger.claim_atomically(
            41, UserId(f"new{n}"), claim_token=f"t{n}", claimed_at=LATER
        )
        numbers.append(claimed.coupon.coupon_id if isinstance(claimed, Claimed) else claimed)

    assert numbers == [1, 3, 5, ClaimRefusal.SOLD_OUT]
    assert await ledger.stock(41) == Stock(issued=5, next_number=6)
