"""`SearchHistory` contract."""

import asyncio

from domain.model.identity import UserId
from tests.contract.backends import Backend

ALICE = UserId("alice")
DAY = 24 * 3600


async def test_newest_first_deduplicated_and_trimmed(backend: Backend) -> None:
    history = backend.search_history()
    for term in ["a", "b", "c", "b", "d", "e", "f"]:
        after = await history.record(ALICE, term, keep=5, ttl_seconds=DAY)

    assert after == ("f", "e", "d", "b", "c")
    assert await backend.search_history().recent(ALICE) == after


async def test_terms_compare_exactly(backend: Backend) -> None:
    history = backend.search_history()
    for term in ["Redis", "redis", "redis "]:
        await history.record(ALICE, term, keep=5, ttl_seconds=DAY)

    assert await history.recent(ALICE) == ("redis ", "redis", "Redis")


async def test_an_unknown_user_has_no_history(backend: Backend) -> None:
    assert await backend.search_history().recent(UserId("nobody")) == ()


async def test_each_record_renews_the_ttl(backend: Backend) -> None:
    history = backend.search_history()
    await history.record(ALICE, "a", keep=5, ttl_seconds=DAY)
    await backend.advance(DAY - 1)
    await history.record(ALICE, "b", keep=5, ttl_seconds=DAY)
    await backend.advance(DAY - 1)

    assert await history.recent(ALICE) == ("b", "a")
    await backend.advance(1)
    assert await history.recent(ALICE) == ()


async def test_concurrent_records_leave_no_duplicates(backend: Backend) -> None:
    await asyncio.gather(
        *(
            backend.search_history().record(ALICE, f"t{n % 8}", keep=5, ttl_seconds=DAY)
            for n in range(400)
        )
    )

    terms = await backend.search_history().recent(ALICE)
    assert len(terms) == len(set(terms)) == 5
