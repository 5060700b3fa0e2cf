"""`Ranking` contract: scores, competition ranks, order of ties, idempotent increments."""

import asyncio

from domain.model.paging import PageRequest
from domain.model.rankings import ScoreOverflow, Standing
from tests.contract.backends import Backend


async def test_add_starts_at_zero_and_accumulates(backend: Backend) -> None:
    ranking = backend.ranking()

    first = await ranking.add("b", "ann", 2.5, increment_id="i1")
    second = await ranking.add("b", "ann", -1, increment_id="i2")

    assert first == Standing(member="ann", score=2.5, rank=1)
    assert second == Standing(member="ann", score=1.5, rank=1)


async def test_a_repeated_increment_id_applies_once(backend: Backend) -> None:
    ranking = backend.ranking()

    await ranking.add("b", "ann", 10, increment_id="same")
    retried = await backend.ranking().add("b", "ann", 10, increment_id="same")

    assert retried == Standing(member="ann", score=10, rank=1)
    assert (await ranking.standing("b", "ann")) == Standing(member="ann", score=10, rank=1)


async def test_put_sets_and_ranks_are_competition_ranks(backend: Backend) -> None:
    ranking = backend.ranking()
    for member, score in [("a", 30), ("b", 20), ("c", 20), ("d", 10)]:
        await ranking.put("board", member, score)

    ranks = [(await ranking.standing("board", m)) for m in "abcd"]

    assert [s.rank if s else None for s in ranks] == [1, 2, 2, 4]
    assert await ranking.standing("board", "zed") is None
    assert await ranking.standing("other-board", "a") is None


async def test_pages_order_by_score_then_member_descending(backend: Backend) -> None:
    ranking = backend.ranking()
    for member, score in [("a", 5), ("b", 7), ("c", 5), ("d", -1), ("e", 5)]:
        await ranking.put("board", member, score)

    page = await ranking.page("board", PageRequest(limit=3, offset=1))

    assert page.total == 5
    assert [(e.rank, e.member, e.score) for e in page.entries] == [
        (2, "e", 5),
        (2, "c", 5),
        (2, "a", 5),
    ]
    tail = await ranking.page("board", PageRequest(limit=10, offset=4))
    assert [(e.rank, e.member) for e in tail.entries] == [(5, "d")]


async def test_an_unknown_board_is_empty(backend: Backend) -> None:
    page = await backend.ranking().page("nothing", PageRequest(limit=10))

    assert (page.board, page.total, page.entries) == ("nothing", 0, ())


async def test_fractional_and_negative_scores_keep_their_value(backend: Backend) -> None:
    ranking = backend.ranking()

    await ranking.put("b", "x", -0.1)
    standing = await ranking.add("b", "x", 1e-9, increment_id="tiny")

    assert standing == Standing(member="x", score=-0.1 + 1e-9, rank=1)


async def test_a_delta_that_would_overflow_changes_nothing(backend: Backend) -> None:
    ranking = backend.ranking()
    await ranking.put("b", "x", 1.5e308)

    refused = await ranking.add("b", "x", 1e308, increment_id="too-much")
    allowed = await ranking.add("b", "x", -1e308, increment_id="fine")

    assert refused == ScoreOverflow()
    assert allowed == Standing(member="x", score=1.5e308 - 1e308, rank=1)


async def test_concurrent_increments_are_all_applied(backend: Backend) -> None:
    await asyncio.gather(
        *(backend.ranking().add("b", "ann", 1, increment_id=f"i{n}") for n in range(300))
    )

    assert await backend.ranking().standing("b", "ann") == Standing(member="ann", score=300, rank=1)
