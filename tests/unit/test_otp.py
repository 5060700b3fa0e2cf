"""Level 2, volatile state: OTP codes (TTL, attempts, rate limit, single use) and sessions."""

import asyncio
import hashlib
import hmac
from dataclasses import replace

import pytest
from dependency_injector import providers

from adapters.http.app import UseCases
from adapters.inmemory.token_store import InMemoryTokenStore
from composition.root import Assembly
from composition.settings import Settings
from domain.model.errors import Forbidden, NoActiveCode, NotAuthenticated, TooManyCodes, WrongCode
from domain.model.identity import UserId
from domain.model.otp import IssueOutcome, OtpPolicy, Verification
from tests.support.clock import ManualClock
from tests.support.otp import another_code
from tests.support.secrets import ScriptedSecrets
from tests.support.settings import ADMIN_TOKEN, OTP_SECRET
from tests.support.telemetry import CountingTelemetry

ALICE = UserId("alice")
CLIENT = "192.0.2.10"


@pytest.mark.parametrize(("elapsed", "alive"), [(179.999, True), (180.0, False)])
async def test_should_store_otp_with_3min_ttl(
    usecases: UseCases, clock: ManualClock, elapsed: float, alive: bool
) -> None:
    issued = await usecases.issue_otp(ALICE, client=CLIENT)
    assert issued.expires_in == 180

    clock.advance(elapsed)

    if alive:
        assert (await usecases.verify_otp(ALICE, issued.code)).user_id == ALICE
    else:
        with pytest.raises(NoActiveCode):
            await usecases.verify_otp(ALICE, issued.code)


async def test_should_fail_verification_with_wrong_otp_and_not_delete_key(
    usecases: UseCases,
) -> None:
    issued = await usecases.issue_otp(ALICE, client=CLIENT)

    with pytest.raises(WrongCode) as wrong:
        await usecases.verify_otp(ALICE, another_code(issued.code))

    assert wrong.value.attempts_left == 4
    assert (await usecases.verify_otp(ALICE, issued.code)).user_id == ALICE


async def test_should_succeed_verification_and_delete_key_immediately(usecases: UseCases) -> None:
    issued = await usecases.issue_otp(ALICE, client=CLIENT)

    session = await usecases.verify_otp(ALICE, issued.code)

    assert session.token
    assert session.expires_in == 3600
    with pytest.raises(NoActiveCode):
        await usecases.verify_otp(ALICE, issued.code)


async def test_the_last_wrong_attempt_burns_the_code(usecases: UseCases) -> None:
    issued = await usecases.issue_otp(ALICE, client=CLIENT)
    wrong = another_code(issued.code)

    left = []
    for _ in range(5):
        with pytest.raises(WrongCode) as refused:
            await usecases.verify_otp(ALICE, wrong)
        left.append(refused.value.attempts_left)

    assert left == [4, 3, 2, 1, 0]
    with pytest.raises(NoActiveCode):
        await usecases.verify_otp(ALICE, issued.code)


async def test_issuing_again_replaces_the_previous_code(
    usecases: UseCases, secrets: ScriptedSecrets
) -> None:
    secrets.script("111111", "222222")
    await usecases.issue_otp(ALICE, client=CLIENT)
    await usecases.issue_otp(ALICE, client=CLIENT)

    with pytest.raises(WrongCode):
        await usecases.verify_otp(ALICE, "111111")
    assert (await usecases.verify_otp(ALICE, "222222")).user_id == ALICE


async def test_issuance_limits_are_per_user(usecases: UseCases) -> None:
    for _ in range(3):
        await usecases.issue_otp(ALICE, client=CLIENT)

    assert (await usecases.issue_otp(UserId("bob"), client=CLIENT)).user_id == "bob"


async def test_issuance_is_limited_per_window_and_a_refusal_changes_nothing(
    usecases: UseCases, clock: ManualClock, secrets: ScriptedSecrets
) -> None:
    secrets.script("000001", "000002", "000003")
    for _ in range(3):
        await usecases.issue_otp(ALICE, client=CLIENT)
    clock.advance(100)

    with pytest.raises(TooManyCodes) as refused:
        await usecases.issue_otp(ALICE, client=CLIENT)

    assert refused.value.retry_after == 500
    assert (await usecases.verify_otp(ALICE, "000003")).user_id == ALICE, "the live code stays"
    clock.advance(499)
    with pytest.raises(TooManyCodes) as still:
        await usecases.issue_otp(ALICE, client=CLIENT)
    assert still.value.retry_after == 1
    clock.advance(1)
    assert (await usecases.issue_otp(ALICE, client=CLIENT)).user_id == ALICE, (
        "a new window has opened"
    )


async def test_one_client_gets_at_most_30_codes_per_window_whatever_the_users(
    usecases: UseCases, clock: ManualClock
) -> None:
    for n in range(30):
        await usecases.issue_otp(UserId(f"user-{n}"), client=CLIENT)
    clock.advance(60)

    with pytest.raises(TooManyCodes, match="from this address") as refused:
        await usecases.issue_otp(UserId("user-30"), client=CLIENT)

    assert refused.value.retry_after == 540
    assert (await usecases.issue_otp(UserId("user-30"), client="192.0.2.11")).user_id == "user-30"
    clock.advance(540)
    assert (await usecases.issue_otp(UserId("user-31"), client=CLIENT)).user_id == "user-31"


def with_client_limit(assembly: Assembly, settings: Settings, limit: int) -> UseCases:
    """The use-cases of `assembly` with OTP_CLIENT_ISSUE_LIMIT set to `limit`."""
    changed = replace(settings, otp_client_issue_limit=limit)
    assembly.container.settings.override(providers.Object(changed))
    usecases: UseCases = assembly.container.usecases()
    return usecases


async def test_a_request_the_user_limit_refuses_still_counts_for_its_client(
    assembly: Assembly, settings: Settings
) -> None:
    usecases = with_client_limit(assembly, settings, 4)
    for _ in range(3):
        await usecases.issue_otp(ALICE, client=CLIENT)
    with pytest.raises(TooManyCodes, match="for this user"):
        await usecases.issue_otp(ALICE, client=CLIENT)

    with pytest.raises(TooManyCodes, match="from this address"):
        await usecases.issue_otp(UserId("bob"), client=CLIENT)


async def test_a_client_limit_of_zero_turns_the_client_limit_off(
    assembly: Assembly, settings: Settings
) -> None:
    usecases = with_client_limit(assembly, settings, 0)

    for n in range(100):
        await usecases.issue_otp(UserId(f"user-{n}"), client=CLIENT)


async def test_of_concurrent_verifications_of_the_right_code_exactly_one_succeeds(
    usecases: UseCases, telemetry: CountingTelemetry
) -> None:
    issued = await usecases.issue_otp(ALICE, client=CLIENT)

    results = await asyncio.gather(
        *(usecases.verify_otp(ALICE, issued.code) for _ in range(200)), return_exceptions=True
    )

    sessions = [r for r in results if not isinstance(r, BaseException)]
    assert len(sessions) == 1
    assert all(isinstance(r, NoActiveCode) for r in results if isinstance(r, BaseException))
    assert telemetry.counts["otp", "verified"] == 1
    assert telemetry.counts["otp", "no_code"] == 199


class RecordingTokenStore(InMemoryTokenStore):
    """Remembers every value handed to the store."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.received: list[str] = []

    async def issue_code(self, user_id: UserId, digest: str, policy: OtpPolicy) -> IssueOutcome:
        self.received.append(digest)
        return await super().issue_code(user_id, digest, policy)

    async def verify_code(self, user_id: UserId, digest: str, *, attempt_id: str) -> Verification:
        self.received.append(digest)
        return await super().verify_code(user_id, digest, attempt_id=attempt_id)

    async def open_session(self, token_digest: str, user_id: UserId, *, ttl_seconds: int) -> None:
        self.received.append(token_digest)
        await super().open_session(token_digest, user_id, ttl_seconds=ttl_seconds)


async def test_the_store_sees_only_keyed_digests_of_codes_and_tokens(
    assembly: Assembly, clock: ManualClock, telemetry: CountingTelemetry
) -> None:
    store = RecordingTokenStore(clock)
    assembly.adapters.tokens.override(providers.Object(store))
    usecases: UseCases = assembly.container.usecases()

    issued = await usecases.issue_otp(ALICE, client=CLIENT)
    session = await usecases.verify_otp(ALICE, issued.code)

    expected = hmac.new(OTP_SECRET.encode(), b"alice\x00" + issued.code.encode(), hashlib.sha256)
    assert store.received[:2] == [expected.hexdigest()] * 2
    assert store.received[2] == hashlib.sha256(session.token.encode()).hexdigest()
    assert not any(issued.code in value or session.token in value for value in store.received)


async def test_a_session_token_identifies_its_user_until_the_session_ends(
    usecases: UseCases, clock: ManualClock
) -> None:
    session = await usecases.verify_otp(
        ALICE, (await usecases.issue_otp(ALICE, client=CLIENT)).code
    )

    assert await usecases.authenticate.user(session.token) == ALICE
    await usecases.end_session(session.token)

    with pytest.raises(NotAuthenticated):
        await usecases.authenticate.user(session.token)
    with pytest.raises(NotAuthenticated):
        await usecases.end_session(session.token)


async def test_a_session_expires_after_its_ttl(usecases: UseCases, clock: ManualClock) -> None:
    session = await usecases.verify_otp(
        ALICE, (await usecases.issue_otp(ALICE, client=CLIENT)).code
    )

    clock.advance(3600)

    with pytest.raises(NotAuthenticated):
        await usecases.authenticate.user(session.token)


async def test_admin_needs_the_admin_token_and_a_user_token_is_forbidden(
    usecases: UseCases,
) -> None:
    session = await usecases.verify_otp(
        ALICE, (await usecases.issue_otp(ALICE, client=CLIENT)).code
    )

    await usecases.authenticate.admin(ADMIN_TOKEN)
    with pytest.raises(Forbidden):
        await usecases.authenticate.admin(session.token)
    for token in (None, "", "not-a-token", ADMIN_TOKEN[:-1]):
        with pytest.raises(NotAuthenticated):
            await usecases.authenticate.admin(token)
    with pytest.raises(NotAuthenticated):
        await usecases.authenticate.user(ADMIN_TOKEN)
