"""Level 2, lists: the latest 5 distinct search terms (LPUSH + LTRIM on Redis)."""

import asyncio

from adapters.http.app import UseCases
from domain.model.identity import UserId
from tests.support.clock import ManualClock

ALICE = UserId("alice")


async def test_should_keep_only_latest_5_search_terms(usecases: UseCases) -> None:
    for term in ["redis", "cache", "ttl", "lua", "sentinel", "cluster", "stream"]:
        await usecases.record_search(ALICE, term)

    assert await usecases.recent_searches(ALICE) == ("stream", "cluster", "sentinel", "lua", "ttl")


async def test_searching_a_term_again_moves_it_to_the_front(usecases: UseCases) -> None:
    for term in ["a", "b", "c", "a"]:
        terms = await usecases.record_search(ALICE, term)

    assert terms == ("a", "c", "b")


async def test_histories_are_per_user(usecases: UseCases) -> None:
    await usecases.record_search(ALICE, "mine")

    assert await usecases.recent_searches(UserId("bob")) == ()


async def test_concurrent_searches_never_leave_duplicates_or_more_than_5(
    usecases: UseCases,
) -> None:
    await asyncio.gather(*(usecases.record_search(ALICE, f"t{n % 7}") for n in range(300)))

    terms = await usecases.recent_searches(ALICE)
    assert len(terms) == 5
    assert len(set(terms)) == 5


async def test_a_history_untouched_for_30_days_is_forgotten(
    usecases: UseCases, clock: ManualClock
) -> None:
    await usecases.record_search(ALICE, "old")

    clock.advance(30 * 24 * 3600)

    assert await usecases.recent_searches(ALICE) == ()
