"""The `Ranking` port: leaderboards with competition ranks."""

from typing import Protocol

from domain.model.paging import PageRequest
from domain.model.rankings import Leaderboard, ScoreOverflow, Standing


class Ranking(Protocol):
    """Scores per member on named boards; rank = 1 + members with a strictly higher score.

    Contract:
    - `add` adds `delta` to the member's score (a new member starts at 0) and returns the
      standing right after, in one atomic step. It is idempotent per `increment_id`: repeating
      a call with the same id (a client retry) applies the delta once and returns the standing.
      A delta that would make the score infinite changes nothing and returns `ScoreOverflow`.
    - `put` sets the score and returns the standing right after, atomically.
    - `standing` of a member not on the board returns None.
    - `page` lists highest score first (equal scores: by member, descending), each entry with
      its competition rank, and the board's total member count, all from one consistent view.
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def add(
        self, board: str, member: str, delta: float, *, increment_id: str
    ) -> Standing | ScoreOverflow: ...

    async def put(self, board: str, member: str, score: float) -> Standing: ...

    async def standing(self, board: str, member: str) -> Standing | None: ...

    async def page(self, board: str, request: PageRequest) -> Leaderboard: ...
