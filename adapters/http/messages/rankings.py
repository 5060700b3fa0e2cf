"""Bodies of `/rankings`: score changes, standings, leaderboard pages."""

from typing import Annotated, Self

from msgspec import Meta, Struct

from adapters.http.messages.fields import Count, Finite, Limit, Member, Offset
from domain.model.rankings import RANKING_DEFAULT_LIMIT
from domain.model.rankings import Leaderboard as Board
from domain.model.rankings import Standing as MemberStanding

Rank = Annotated[int, Meta(ge=1)]


class ScoreDelta(Struct, forbid_unknown_fields=True):
    """Add `delta` to `member`'s score."""

    member: Member
    delta: Finite


class Score(Struct, forbid_unknown_fields=True):
    """Set a member's score."""

    score: Finite


class Standing(Struct):
    """A member's score and competition rank (1 + members scoring strictly higher)."""

    member: Member
    score: float
    rank: Rank

    @classmethod
    def of(cls, standing: MemberStanding) -> Self:
        return cls(standing.member, standing.score, standing.rank)


class LeaderboardEntry(Struct):
    """One line of a leaderboard."""

    rank: Rank
    member: Member
    score: float


class Leaderboard(Struct):
    """A page of a board, highest score first, and how many members it has."""

    board: str
    total: Count
    entries: list[LeaderboardEntry]

    @classmethod
    def of(cls, board: Board) -> Self:
        entries = [LeaderboardEntry(e.rank, e.member, e.score) for e in board.entries]
        return cls(board.board, board.total, entries)


class RankingPaging(Struct):
    """`limit` (default 10) and `offset` of a leaderboard page."""

    limit: Limit = RANKING_DEFAULT_LIMIT
    offset: Offset = 0
