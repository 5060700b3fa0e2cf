"""Level 3, sorted sets: scores, competition ranks ("1224"), pages across ties."""

import pytest

from adapters.http.app import UseCases
from domain.model.errors import NotFound
from domain.model.paging import PageRequest
from domain.model.rankings import competition_ranks


async def test_should_update_score_and_retrieving_rank_correctly(usecases: UseCases) -> None:
    await usecases.put_score("weekly", "alice", 100)
    await usecases.put_score("weekly", "bob", 80)

    standing = await usecases.add_score("weekly", "bob", 30)

    assert (standing.score, standing.rank) == (110, 1)
    assert (await usecases.show_standing("weekly", "alice")).rank == 2


async def test_equal_scores_share_a_rank_and_the_next_skips(usecases: UseCases) -> None:
    for member, score in [("a", 50), ("b", 40), ("c", 40), ("d", 10)]:
        await usecases.put_score("b1", member, score)

    board = await usecases.show_leaderboard("b1", PageRequest(limit=10))

    assert [(e.rank, e.member) for e in board.entries] == [(1, "a"), (2, "c"), (2, "b"), (4, "d")]
    assert board.total == 4
    assert (await usecases.show_standing("b1", "b")).rank == 2


async def test_a_page_starting_inside_a_tie_keeps_the_tie_rank(usecases: UseCases) -> None:
    for member, score in [("a", 10), ("b", 10), ("c", 10), ("d", 9)]:
        await usecases.put_score("ties", member, score)

    page = await usecases.show_leaderboard("ties", PageRequest(limit=3, offset=1))

    assert [(e.rank, e.score) for e in page.entries] == [(1, 10), (1, 10), (4, 9)]


async def test_a_new_member_starts_at_zero(usecases: UseCases) -> None:
    assert (await usecases.add_score("fresh", "x", -2.5)).score == -2.5


async def test_an_unranked_member_is_not_found(usecases: UseCases) -> None:
    with pytest.raises(NotFound):
        await usecases.show_standing("empty", "nobody")


async def test_an_empty_board_has_no_entries(usecases: UseCases) -> None:
    board = await usecases.show_leaderboard("empty", PageRequest(limit=10, offset=5))

    assert (board.total, board.entries) == (0, ())


@pytest.mark.parametrize(
    ("scores", "offset", "first_rank", "expected"),
    [
        ([9, 8, 8, 7], 0, 1, [1, 2, 2, 4]),
        ([5, 5, 3], 2, 1, [1, 1, 5]),
        ([4], 7, 8, [8]),
        ([], 0, 1, []),
    ],
)
def test_competition_ranks(
    scores: list[float], offset: int, first_rank: int, expected: list[int]
) -> None:
    assert competition_ranks(scores, offset=offset, first_rank=first_rank) == expected
