"""Redis `TokenStore`: OTP codes as hashes driven by two Lua scripts; sessions as strings."""

import math

from adapters.redis import codecs, keys
from adapters.redis.client import RedisConnector
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
from ports.token_store import REPLAY_SECONDS, TokenStore


class RedisTokenStore(TokenStore):
    """`otp_issue.lua` and `otp_verify.lua` make issue and verify one atomic step each; a
    session is `SET session:<sha256 of token> <user> PX ttl`."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector
        self._redis = connector.client
        self._issue = connector.acknowledged("otp_issue")
        self._verify = connector.script("otp_verify")

    async def issue_code(self, user_id: UserId, digest: str, policy: OtpPolicy) -> IssueOutcome:
        with self._connector.errors():
            result = await self._issue(
                keys=[keys.otp_code(user_id), keys.otp_issues(user_id)],
                args=[
                    digest,
                    policy.max_attempts,
                    policy.ttl_seconds * 1000,
                    policy.issue_limit,
                    policy.issue_window_seconds * 1000,
                ],
            )
        if result[0] == 1:
            return IssueAccepted()
        return IssueRefused(max(1, math.ceil(int(result[1]) / 1000)))

    async def verify_code(self, user_id: UserId, digest: str, *, attempt_id: str) -> Verification:
        with self._connector.errors():
            kind, attempts_left = await self._verify(
                keys=[keys.otp_code(user_id)], args=[digest, attempt_id, REPLAY_SECONDS * 1000]
            )
        if kind == 1:
            return CodeVerified()
        if kind == 0:
            return CodeRejected(int(attempts_left))
        return CodeMissing()

    async def open_session(self, token_digest: str, user_id: UserId, *, ttl_seconds: int) -> None:
        with self._connector.errors():
            await self._redis.set(keys.session(token_digest), user_id, ex=ttl_seconds)

    async def session_user(self, token_digest: str) -> UserId | None:
        with self._connector.errors():
            user = await self._redis.get(keys.session(token_digest))
        return UserId(codecs.text(user)) if user is not None else None

    async def close_session(self, token_digest: str) -> bool:
        with self._connector.errors():
            return bool(await self._redis.delete(keys.session(token_digest)))
