"""In-memory `TokenStore`: OTP digests with attempt counters, issue windows, sessions."""

import hmac
import math
from dataclasses import dataclass

from adapters.inmemory.expiring import ExpiringMap
from adapters.inmemory.round_trip import round_trip
from domain.model.identity import UserId
from domain.model.otp import (
    CodeMissing,
    CodeRejected,
    CodeVerified,
    IssueAccepted,
    IssueOutcome,
    IssueRefused,
    OtpPolicy,
    Verification,
)
from ports.clock import Clock
from ports.token_store import TokenStore


@dataclass(frozen=True, slots=True)
class _Code:
    digest: str
    attempts_left: int


class InMemoryTokenStore(TokenStore):
    """Three expiring maps: codes by user, issue counts by user, users by session digest."""

    def __init__(self, clock: Clock) -> None:
        self._codes: ExpiringMap[UserId, _Code] = ExpiringMap(clock)
        self._issues: ExpiringMap[UserId, int] = ExpiringMap(clock)
        self._sessions: ExpiringMap[str, UserId] = ExpiringMap(clock)

    async def issue_code(self, user_id: UserId, digest: str, policy: OtpPolicy) -> IssueOutcome:
        await round_trip()
        issued = self._issues.get(user_id)
        if issued is None:
            self._issues.put(user_id, 1, ttl_seconds=policy.issue_window_seconds)
        elif issued >= policy.issue_limit:
            remaining = self._issues.remaining_seconds(user_id) or 0.0
            return IssueRefused(max(1, math.ceil(remaining)))
        else:
            self._issues.replace(user_id, issued + 1)
        self._codes.put(user_id, _Code(digest, policy.max_attempts), ttl_seconds=policy.ttl_seconds)
        return IssueAccepted()

    async def verify_code(self, user_id: UserId, digest: str) -> Verification:
        await round_trip()
        code = self._codes.get(user_id)
        if code is None:
            return CodeMissing()
        if hmac.compare_digest(code.digest, digest):
            self._codes.pop(user_id)
            return CodeVerified()
        attempts_left = code.attempts_left - 1
        if attempts_left <= 0:
            self._codes.pop(user_id)
        else:
            self._codes.replace(user_id, _Code(code.digest, attempts_left))
        return CodeRejected(attempts_left)

    async def open_session(self, token_digest: str, user_id: UserId, *, ttl_seconds: int) -> None:
        await round_trip()
        self._sessions.put(token_digest, user_id, ttl_seconds=ttl_seconds)

    async def session_user(self, token_digest: str) -> UserId | None:
        await round_trip()
        return self._sessions.get(token_digest)

    async def close_session(self, token_digest: str) -> bool:
        await round_trip()
        return self._sessions.pop(token_digest) is not None
