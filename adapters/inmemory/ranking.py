"""In-memory `Ranking`: per board, a sorted list of (score, member) and a score by member."""

import bisect
import math
from dataclasses import dataclass, field

from adapters.inmemory.expiring import ExpiringMap
from adapters.inmemory.round_trip import round_trip
from domain.model.paging import PageRequest
from domain.model.rankings import Leaderboard, ScoreOverflow, Standing, competition_ranks
from ports.clock import Clock
from ports.ranking import Ranking

INCREMENT_MEMORY_SECONDS = 300
"""How long an applied increment id is remembered; retries come within seconds."""


@dataclass(slots=True)
class _Board:
    scores: dict[str, float] = field(default_factory=dict)
    ordered: list[tuple[float, str]] = field(default_factory=list)
    """Ascending by (score, member), like a Redis sorted set."""

    def set(self, member: str, score: float) -> None:
        old = self.scores.get(member)
        if old is not None:
            del self.ordered[bisect.bisect_left(self.ordered, (old, member))]
        self.scores[member] = score
        bisect.insort(self.ordered, (score, member))

    def standing(self, member: str) -> Standing | None:
        score = self.scores.get(member)
        if score is None:
            return None
        return Standing(member=member, score=score, rank=1 + self.count_above(score))

    def count_above(self, score: float) -> int:
        return len(self.ordered) - bisect.bisect_right(self.ordered, score, key=_score)


def _score(entry: tuple[float, str]) -> float:
    return entry[0]


class InMemoryRanking(Ranking):
    """Boards created on first write; increment ids remembered for a while to absorb retries."""

    def __init__(self, clock: Clock) -> None:
        self._boards: dict[str, _Board] = {}
        self._applied: ExpiringMap[tuple[str, str], bool] = ExpiringMap(clock)

    async def add(
        self, board: str, member: str, delta: float, *, increment_id: str
    ) -> Standing | ScoreOverflow:
        await round_trip()
        entries = self._boards.setdefault(board, _Board())
        if self._applied.get((board, increment_id)) is None:
            score = entries.scores.get(member, 0.0) + delta
            if not math.isfinite(score):
                return ScoreOverflow()
            self._applied.put((board, increment_id), True, ttl_seconds=INCREMENT_MEMORY_SECONDS)
            entries.set(member, score)
        standing = entries.standing(member)
        assert standing is not None
        return standing

    async def put(self, board: str, member: str, score: float) -> Standing:
        await round_trip()
        entries = self._boards.setdefault(board, _Board())
        entries.set(member, score)
        return Standing(member=member, score=score, rank=1 + entries.count_above(score))

    async def standing(self, board: str, member: str) -> Standing | None:
        await round_trip()
        entries = self._boards.get(board)
        return entries.standing(member) if entries is not None else None

    async def page(self, board: str, request: PageRequest) -> Leaderboard:
        await round_trip()
        entries = self._boards.get(board) or _Board()
        total = len(entries.ordered)
        # Highest first: walk the ascending list backwards from position `offset`.
        stop = total - request.offset
        start = max(0, stop - request.limit)
        slice_ = entries.ordered[start:stop][::-1] if stop > 0 else []
        if not slice_:
            return Leaderboard(board=board, total=total, entries=())
        scores = [score for score, _ in slice_]
        ranks = competition_ranks(
            scores, offset=request.offset, first_rank=1 + entries.count_above(scores[0])
        )
        return Leaderboard(
            board=board,
            total=total,
            entries=tuple(
                Standing(member=member, score=score, rank=rank)
                for (score, member), rank in zip(slice_, ranks, strict=True)
            ),
        )
