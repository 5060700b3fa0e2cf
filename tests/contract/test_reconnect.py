"""Losing the server's connections: the next calls reconnect by themselves (Level 4).

Only a backend with a server connection can lose it; in-process and fake backends say so
and are skipped by capability.
"""

import asyncio

import pytest

from composition.settings import Settings
from domain.model.events import BusMessage, ChannelEvent
from domain.model.identity import UserId
from domain.model.otp import CodeVerified, IssueAccepted
from domain.model.usage import UsageRecord, UsageStats
from tests.contract.backends import Backend
from tests.contract.redis_backends import Disconnectable, Restartable

DEADLINE_SECONDS = 2.0


def disconnectable(backend: Backend) -> Disconnectable:
    if not isinstance(backend, Disconnectable):
        pytest.skip("no server connection to lose: the backend is in this process")
    return backend


def restartable(backend: Backend) -> Restartable:
    if not isinstance(backend, Restartable):
        pytest.skip(
            "needs a single server to restart: none in this process, and behind Sentinel a "
            "crash is a failover (tests/sentinel)"
        )
    return backend


async def test_should_retry_connection_on_disconnect_error(backend: Backend) -> None:
    server = disconnectable(backend)
    tokens = backend.tokens()
    await tokens.open_session("s" * 64, UserId("alice"), ttl_seconds=60)  # opens connections

    await server.kill_connections()

    async with asyncio.timeout(DEADLINE_SECONDS):
        assert await tokens.session_user("s" * 64) == "alice"
        record = UsageRecord(source="after-the-kill", seq=1)
        await backend.usage().append(record, ingestion_id="k1", retention_seconds=60)
        stats = await backend.usage().stats("after-the-kill")

    assert stats == UsageStats(source="after-the-kill", count=1, distinct_seq=1)


async def test_calls_succeed_within_the_deadline_after_a_server_restart(backend: Backend) -> None:
    server = restartable(backend)
    tokens = backend.tokens()
    await tokens.open_session("s" * 64, UserId("alice"), ttl_seconds=60)

    server.restart_server()  # kill -9 and start again: data and scripts are gone

    async with asyncio.timeout(DEADLINE_SECONDS):
        assert await tokens.session_user("s" * 64) is None, "the data went with the server"
        policy = Settings().otp_policy()
        assert await tokens.issue_code(UserId("bob"), "a" * 64, policy) == IssueAccepted()
        verified = await tokens.verify_code(UserId("bob"), "a" * 64, attempt_id="after-restart")
        assert verified == CodeVerified(), "scripts reload after NOSCRIPT"


async def test_a_subscription_survives_a_server_restart(backend: Backend) -> None:
    server = restartable(backend)
    message = BusMessage(channel="alerts", type="after.restart", payload={"ok": True})

    async with backend.bus().subscribe("alerts") as subscription:
        server.restart_server()
        async with asyncio.timeout(10):
            # Published once, maybe before the subscriber has reconnected: the history has it.
            await backend.bus().publish(message)
            received = await subscription.receive(timeout_seconds=5)

    assert isinstance(received, ChannelEvent)
    assert received.message == message
