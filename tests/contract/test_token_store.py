"""`TokenStore` contract: OTP codes (TTL, attempts, issue window, single use) and sessions."""

import asyncio
import uuid
from collections.abc import Awaitable
from dataclasses import replace

import pytest

from domain.model.identity import UserId
from domain.model.otp import (
    CodeMissing,
    CodeRejected,
    CodeVerified,
    IssueAccepted,
    IssueRefused,
    OtpPolicy,
    Verification,
)
from ports.token_store import TokenStore
from tests.contract.backends import Backend

ALICE = UserId("alice")


def verify(
    tokens: TokenStore, user_id: UserId, digest: str, attempt_id: str | None = None
) -> Awaitable[Verification]:
    """One attempt; a fresh attempt id unless a retry of a given one is meant."""
    return tokens.verify_code(user_id, digest, attempt_id=attempt_id or uuid.uuid4().hex)


POLICY = OtpPolicy(
    ttl_seconds=180, max_attempts=3, issue_limit=2, issue_window_seconds=600, client_issue_limit=0
)
RIGHT, WRONG = "a" * 64, "b" * 64


async def test_the_right_digest_verifies_once(backend: Backend) -> None:
    tokens = backend.tokens()
    assert await tokens.issue_code(ALICE, RIGHT, POLICY) == IssueAccepted()

    assert await verify(backend.tokens(), ALICE, RIGHT) == CodeVerified()
    assert await verify(tokens, ALICE, RIGHT) == CodeMissing()


async def test_a_wrong_digest_takes_an_attempt_and_the_last_burns_the_code(
    backend: Backend,
) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, RIGHT, POLICY)

    outcomes = [await verify(tokens, ALICE, WRONG) for _ in range(3)]

    assert outcomes == [CodeRejected(2), CodeRejected(1), CodeRejected(0)]
    assert await verify(tokens, ALICE, RIGHT) == CodeMissing()


async def test_digests_of_another_length_are_wrong_not_errors(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, RIGHT, POLICY)

    assert await verify(tokens, ALICE, "a") == CodeRejected(2)
    assert await verify(tokens, ALICE, RIGHT + "a") == CodeRejected(1)


async def test_a_code_lives_its_ttl(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, RIGHT, POLICY)
    await verify(tokens, ALICE, WRONG)  # an attempt does not extend or reset the TTL

    await backend.advance(179)
    assert await verify(tokens, ALICE, WRONG) == CodeRejected(1)
    await backend.advance(1)
    assert await verify(tokens, ALICE, RIGHT) == CodeMissing()


async def test_issuing_again_replaces_the_code_and_restores_the_attempts(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, "c" * 64, POLICY)
    await verify(tokens, ALICE, WRONG)

    await tokens.issue_code(ALICE, RIGHT, POLICY)

    assert await verify(tokens, ALICE, "c" * 64) == CodeRejected(2)
    assert await verify(tokens, ALICE, RIGHT) == CodeVerified()


async def test_past_the_issue_limit_nothing_changes_until_the_window_ends(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, "c" * 64, POLICY)
    await backend.advance(100)
    await tokens.issue_code(ALICE, RIGHT, POLICY)

    refused = await tokens.issue_code(ALICE, "d" * 64, POLICY)

    assert refused == IssueRefused(500)
    assert await verify(tokens, ALICE, "d" * 64) == CodeRejected(2), "the refusal stored nothing"
    assert await tokens.issue_code(UserId("bob"), RIGHT, POLICY) == IssueAccepted()
    await backend.advance(500)
    assert await tokens.issue_code(ALICE, "d" * 64, POLICY) == IssueAccepted()
    assert await verify(tokens, ALICE, "d" * 64) == CodeVerified()


async def test_of_200_concurrent_right_verifications_exactly_one_wins(backend: Backend) -> None:
    await backend.tokens().issue_code(ALICE, RIGHT, POLICY)

    outcomes = await asyncio.gather(*(verify(backend.tokens(), ALICE, RIGHT) for _ in range(200)))

    assert outcomes.count(CodeVerified()) == 1
    assert outcomes.count(CodeMissing()) == 199


async def test_concurrent_wrong_attempts_are_all_counted(backend: Backend) -> None:
    policy = replace(POLICY, max_attempts=100)
    await backend.tokens().issue_code(ALICE, RIGHT, policy)

    outcomes = await asyncio.gather(*(verify(backend.tokens(), ALICE, WRONG) for _ in range(150)))

    assert sorted(o.attempts_left for o in outcomes if isinstance(o, CodeRejected)) == list(
        range(100)
    )
    assert outcomes.count(CodeMissing()) == 50


async def test_a_session_maps_a_digest_to_its_user_until_it_ends(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.open_session("s" * 64, ALICE, ttl_seconds=3600)

    assert await backend.tokens().session_user("s" * 64) == ALICE
    assert await tokens.session_user("t" * 64) is None
    assert await tokens.close_session("s" * 64) is True
    assert await tokens.session_user("s" * 64) is None
    assert await tokens.close_session("s" * 64) is False


@pytest.mark.parametrize(("elapsed", "alive"), [(3599, True), (3600, False)])
async def test_a_session_lives_its_ttl(backend: Backend, elapsed: int, alive: bool) -> None:
    tokens = backend.tokens()
    await tokens.open_session("s" * 64, ALICE, ttl_seconds=3600)

    await backend.advance(elapsed)

    assert (await tokens.session_user("s" * 64) == ALICE) is alive


async def test_a_retried_wrong_attempt_counts_once(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, RIGHT, POLICY)

    first = await verify(tokens, ALICE, WRONG, "attempt-1")
    retry = await verify(backend.tokens(), ALICE, WRONG, "attempt-1")

    assert first == retry == CodeRejected(2)
    assert await verify(tokens, ALICE, WRONG) == CodeRejected(1)


async def test_a_retried_successful_attempt_is_verified_again_and_no_other(
    backend: Backend,
) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, RIGHT, POLICY)

    assert await verify(tokens, ALICE, RIGHT, "winner") == CodeVerified()
    assert await verify(tokens, ALICE, RIGHT, "winner") == CodeVerified()
    assert await verify(tokens, ALICE, RIGHT, "another") == CodeMissing()


async def test_a_retried_burning_attempt_gets_its_outcome_again(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, RIGHT, POLICY)
    for n in range(3):
        await verify(tokens, ALICE, WRONG, f"wrong-{n}")

    assert await verify(tokens, ALICE, WRONG, "wrong-2") == CodeRejected(0)
    assert await verify(tokens, ALICE, RIGHT) == CodeMissing()


async def test_a_retried_issue_does_not_count_twice(backend: Backend) -> None:
    tokens = backend.tokens()
    await tokens.issue_code(ALICE, RIGHT, POLICY)

    assert await tokens.issue_code(ALICE, RIGHT, POLICY) == IssueAccepted()
    assert await tokens.issue_code(ALICE, "c" * 64, POLICY) == IssueAccepted(), "second of two"
    assert isinstance(await tokens.issue_code(ALICE, "d" * 64, POLICY), IssueRefused)
