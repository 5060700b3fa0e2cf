"""Secrets (OTP codes, session tokens, the admin token) never reach the logs."""

import logging

import pytest
from dependency_injector import providers
from falcon import testing

from adapters.inmemory.token_store import InMemoryTokenStore
from composition.root import Assembly
from domain.model.identity import UserId
from domain.model.otp import Verification
from ports.errors import BackendUnavailable
from tests.http.conftest import ADMIN
from tests.support.clock import ManualClock
from tests.support.otp import another_code
from tests.support.settings import ADMIN_TOKEN


class FlakyTokenStore(InMemoryTokenStore):
    """Fails the first verification, as a backend outage would."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.failures_left = 1

    async def verify_code(self, user_id: UserId, digest: str, *, attempt_id: str) -> Verification:
        if self.failures_left:
            self.failures_left -= 1
            raise BackendUnavailable(f"lost connection while verifying for {user_id}")
        return await super().verify_code(user_id, digest, attempt_id=attempt_id)


async def test_no_secret_is_logged_along_a_whole_credential_flow(
    assembly: Assembly, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    assembly.adapters.tokens.override(providers.Object(FlakyTokenStore(clock)))
    caplog.set_level(logging.DEBUG)
    async with testing.ASGIConductor(assembly.app()) as api:
        code = (await api.simulate_post("/otp", json={"user_id": "alice"})).json["code"]
        outage = await api.simulate_post("/otp/verify", json={"user_id": "alice", "code": code})
        wrong = another_code(code)
        await api.simulate_post("/otp/verify", json={"user_id": "alice", "code": wrong})
        session = await api.simulate_post("/otp/verify", json={"user_id": "alice", "code": code})
        token = session.json["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        await api.simulate_post("/me/searches", json={"term": "t"}, headers=bearer)
        await api.simulate_post("/notices", json={"title": "t", "body": "b"}, headers=bearer)
        await api.simulate_post("/notices", json={"title": "t", "body": "b"}, headers=ADMIN)
        await api.simulate_delete("/sessions/current", headers=bearer)

    assert outage.status_code == 503
    assert "lost connection" in caplog.text, "the outage was logged, so the logs were captured"
    for secret in (code, wrong, token, ADMIN_TOKEN):
        assert secret not in caplog.text
