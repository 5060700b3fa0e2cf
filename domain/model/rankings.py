"""Leaderboards: scores, standings and competition ranking ("1224")."""

from collections.abc import Sequence
from dataclasses import dataclass

RANKING_DEFAULT_LIMIT = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Standing:
    """A member's score and rank on one board."""

    member: str
    score: float
    rank: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Leaderboard:
    """One page of a board, highest score first, and how many members it has."""

    board: str
    total: int
    entries: tuple[Standing, ...]


@dataclass(frozen=True, slots=True)
class ScoreOverflow:
    """A delta that would push the score past the largest finite number; nothing changed."""


def competition_ranks(scores: Sequence[float], *, offset: int, first_rank: int) -> list[int]:
    """Ranks of consecutive `scores` (highest first) that start at position `offset` of the
    board, the first of which has rank `first_rank` (1 + members scoring strictly higher).

    Competition ranking: equal scores share a rank, the next score skips the shared places.
    Every member before a lower score scores strictly higher, so its rank is its position + 1.
    """
    ranks: list[int] = []
    for index, score in enumerate(scores):
        if index == 0:
            ranks.append(first_rank)
        elif score == scores[index - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(offset + index + 1)
    return ranks
