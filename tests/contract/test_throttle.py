"""`Throttle` contract: fixed windows, atomic under concurrency, shared by every instance."""

import asyncio

from domain.model.throttling import Admitted, Throttled
from tests.contract.backends import Backend


async def test_admits_up_to_the_limit_then_says_when_the_window_ends(backend: Backend) -> None:
    throttle = backend.throttle()
    admitted = [await throttle.admit("k", limit=3, window_seconds=60) for _ in range(3)]
    await backend.advance(20)

    refused = await backend.throttle().admit("k", limit=3, window_seconds=60)

    assert admitted == [Admitted()] * 3
    assert refused == Throttled(40)
    assert await throttle.admit("other", limit=3, window_seconds=60) == Admitted()


async def test_a_refusal_counts_nothing_and_a_new_window_opens(backend: Backend) -> None:
    throttle = backend.throttle()
    for _ in range(2):
        await throttle.admit("k", limit=2, window_seconds=10)
    for _ in range(5):
        assert isinstance(await throttle.admit("k", limit=2, window_seconds=10), Throttled)
    await backend.advance(10)

    assert await throttle.admit("k", limit=2, window_seconds=10) == Admitted()
    assert await throttle.admit("k", limit=2, window_seconds=10) == Admitted()
    assert isinstance(await throttle.admit("k", limit=2, window_seconds=10), Throttled)


async def test_of_concurrent_calls_exactly_the_limit_are_admitted(backend: Backend) -> None:
    outcomes = await asyncio.gather(
        *(backend.throttle().admit("herd", limit=30, window_seconds=60) for _ in range(500))
    )

    assert outcomes.count(Admitted()) == 30
    assert all(isinstance(outcome, Throttled) for outcome in outcomes if outcome != Admitted())
