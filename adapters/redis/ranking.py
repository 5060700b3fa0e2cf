"""Redis `Ranking`: a sorted set per board; ranks from ZCOUNT of strictly higher scores."""

from adapters.redis import keys
from adapters.redis.client import RedisConnector
from domain.model.paging import PageRequest
from domain.model.rankings import Leaderboard, ScoreOverflow, Standing, competition_ranks
from ports.ranking import Ranking

INCREMENT_MEMORY_MS = 300_000
"""How long an applied increment id is remembered; retries come within seconds."""


class RedisRanking(Ranking):
    """ZINCRBY / ZADD for scores; rank = 1 + ZCOUNT(score, +inf] (exclusive of the score
    itself, so equal scores share a rank). Reads of a score with its rank are one script."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client
        self._add = connector.script("ranking_add")
        self._standing = connector.script("ranking_standing")
        self._page = connector.script("ranking_page")

    async def add(
        self, board: str, member: str, delta: float, *, increment_id: str
    ) -> Standing | ScoreOverflow:
        with self._connector.errors():
            result = await self._add(
                keys=[keys.leaderboard(board), keys.applied_increment(board, increment_id)],
                args=[member, repr(delta), INCREMENT_MEMORY_MS],
            )
        if not result:
            return ScoreOverflow()
        return Standing(member=member, score=float(result[0]), rank=int(result[1]))

    async def put(self, board: str, member: str, score: float) -> Standing:
        key = keys.leaderboard(board)
        with self._connector.errors():
            async with self._redis.pipeline(transaction=True) as transaction:
                transaction.zadd(key, {member: score})
                transaction.zcount(key, f"({score!r}", "+inf")
                _, above = await transaction.execute()
        return Standing(member=member, score=score, rank=1 + int(above))

    async def standing(self, board: str, member: str) -> Standing | None:
        with self._connector.errors():
            result = await self._standing(keys=[keys.leaderboard(board)], args=[member])
        if not result:
            return None
        return Standing(member=member, score=float(result[0]), rank=int(result[1]))

    async def page(self, board: str, request: PageRequest) -> Leaderboard:
        first, last = request.offset, request.offset + request.limit - 1
        with self._connector.errors():
            total, above, flat = await self._page(
                keys=[keys.leaderboard(board)], args=[first, last]
            )
        members = [member.decode() for member in flat[0::2]]
        scores = [float(score) for score in flat[1::2]]
        ranks = competition_ranks(scores, offset=request.offset, first_rank=1 + int(above))
        return Leaderboard(
            board=board,
            total=int(total),
            entries=tuple(
                Standing(member=member, score=score, rank=rank)
                for member, score, rank in zip(members, scores, ranks, strict=True)
            ),
        )
