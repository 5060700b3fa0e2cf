"""The `TokenStore` port: OTP codes with their attempt counters, and user sessions."""

from typing import Final, Protocol

from domain.model.identity import UserId
from domain.model.otp import IssueOutcome, OtpPolicy, Verification

REPLAY_SECONDS: Final = 60
"""How long the outcome of a consuming attempt is remembered for its retries."""


class TokenStore(Protocol):
    """Volatile credentials, stored only as digests.

    Contract for OTP codes (one per user):
    - `issue_code` is one atomic step: if the user was issued `policy.issue_limit` codes in the
      current window (`policy.issue_window_seconds`, starting at the first issue), it returns
      `IssueRefused` with the whole seconds until the window ends (at least 1) and changes
      nothing; otherwise it replaces the user's code by `digest`, with
      `policy.max_attempts` attempts, living `policy.ttl_seconds`, counts the issue, and returns
      `IssueAccepted`.
    - `verify_code` is one atomic attempt: no live code gives `CodeMissing`; a digest equal to the
      stored one (compared in constant time) deletes the code and gives `CodeVerified`; any other
      digest takes one attempt and gives `CodeRejected(attempts_left)`, deleting (burning) the code
      when none are left. Of any number of concurrent attempts with the right digest, exactly one
      gets `CodeVerified`.
    - Retries are safe: repeating `verify_code` with the same `attempt_id` (a client retry after
      a lost reply) returns that attempt's first outcome and counts nothing again, for at least
      `REPLAY_SECONDS` after it. Repeating `issue_code` with the digest already stored is
      accepted again without counting a second issue.
    - Codes vanish `ttl_seconds` after their issue, attempts or not.

    Contract for sessions:
    - `open_session` stores `token_digest -> user_id` for `ttl_seconds`; `session_user` returns
      the user until then, None after or after `close_session`, which returns whether it ended a
      live session. The clear token is never given to the store.

    Failures raise `BackendUnavailable` / `BackendTimeout`; callers fail closed.
    """

    async def issue_code(self, user_id: UserId, digest: str, policy: OtpPolicy) -> IssueOutcome: ...

    async def verify_code(
        self, user_id: UserId, digest: str, *, attempt_id: str
    ) -> Verification: ...

    async def open_session(
        self, token_digest: str, user_id: UserId, *, ttl_seconds: int
    ) -> None: ...

    async def session_user(self, token_digest: str) -> UserId | None: ...

    async def close_session(self, token_digest: str) -> bool: ...
