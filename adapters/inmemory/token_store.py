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
from ports.token_store import REPLAY_SECONDS, TokenStore


@dataclass(frozen=True, slots=True)
class _Code:
    """A live code (`digest` set), or the trace of a consumed or burned one (`digest` None),
    with the last attempt's id and outcome for its retries."""

    digest: str | None
    attempts_left: int
    last_attempt: str | None = None
    last_outcome: Verification | None = None


class InMemoryTokenStore(TokenStore):
    """Three expiring maps: codes by user, issue counts by user, users by session digest."""

    def __init__(self, clock: Clock) -> None:
        self._codes: ExpiringMap[UserId, _Code] = ExpiringMap(clock)
        self._issues: ExpiringMap[UserId, int] = ExpiringMap(clock)
        self._sessions: ExpiringMap[str, UserId] = ExpiringMap(clock)

    async def issue_code(self, user_id: UserId, digest: str, policy: OtpPolicy) -> IssueOutcome:
        await round_trip()
        live = self._codes.get(user_id)
        if live is not None and live.digest == digest:
            return IssueAccepted()  # a retry of the issue that stored it
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

    async def verify_code(self, user_id: UserId, digest: str, *, attempt_id: str) -> Verification:
        await round_trip()
        code = self._codes.get(user_id)
        if code is not None and code.last_attempt == attempt_id and code.last_outcome is not None:
            return code.last_outcome  # a retry: same answer, nothing counted again
        if code is None or code.digest is None:
            return CodeMissing()
        if hmac.compare_digest(code.digest, digest):
            verified = CodeVerified()
            self._codes.put(
                user_id, _Code(None, 0, attempt_id, verified), ttl_seconds=REPLAY_SECONDS
            )
            return verified
        rejected = CodeRejected(code.attempts_left - 1)
        burned = rejected.attempts_left <= 0
        self._codes.replace(
            user_id,
            _Code(None if burned else code.digest, rejected.attempts_left, attempt_id, rejected),
        )
        return rejected

    async def open_session(self, token_digest: str, user_id: UserId, *, ttl_seconds: int) -> None:
        await round_trip()
        self._sessions.put(token_digest, user_id, ttl_seconds=ttl_seconds)

    async def session_user(self, token_digest: str) -> UserId | None:
        await round_trip()
        return self._sessions.get(token_digest)

    async def close_session(self, token_digest: str) -> bool:
        await round_trip()
        return self._sessions.pop(token_digest) is not None
