"""Ranking use-cases: change scores, read a leaderboard, read one member's standing."""

from domain.model.errors import NotFound, ScoreOutOfRange
from domain.model.paging import PageRequest
from domain.model.rankings import Leaderboard, ScoreOverflow, Standing
from ports.ranking import Ranking
from ports.secrets import SecretSource


class AddScore:
    """Add a delta to a member's score; returns the new standing.

    Each call carries a fresh increment id, so a retry inside the adapter applies it once.
    Raises `ScoreOutOfRange` if the score would overflow (nothing changes).
    """

    def __init__(self, ranking: Ranking, secrets: SecretSource) -> None:
        self._ranking = ranking
        self._secrets = secrets

    async def __call__(self, board: str, member: str, delta: float) -> Standing:
        standing = await self._ranking.add(board, member, delta, increment_id=self._secrets.nonce())
        if isinstance(standing, ScoreOverflow):
            raise ScoreOutOfRange(f"adding {delta:g} would make the score overflow")
        return standing


class PutScore:
    """Set a member's score; returns the new standing."""

    def __init__(self, ranking: Ranking) -> None:
        self._ranking = ranking

    async def __call__(self, board: str, member: str, score: float) -> Standing:
        return await self._ranking.put(board, member, score)


class ShowLeaderboard:
    """A page of a board, highest first, with competition ranks."""

    def __init__(self, ranking: Ranking) -> None:
        self._ranking = ranking

    async def __call__(self, board: str, request: PageRequest) -> Leaderboard:
        return await self._ranking.page(board, request)


class ShowStanding:
    """One member's score and rank; `NotFound` if the member is not on the board."""

    def __init__(self, ranking: Ranking) -> None:
        self._ranking = ranking

    async def __call__(self, board: str, member: str) -> Standing:
        standing = await self._ranking.standing(board, member)
        if standing is None:
            raise NotFound(f"{member!r} is not on board {board!r}")
        return standing
