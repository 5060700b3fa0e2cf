"""Use-cases wired by the real composition root, on in-memory adapters and a manual clock."""

import pytest
from dependency_injector import providers

from adapters.http.app import UseCases
from adapters.inmemory.telemetry import CountingTelemetry
from composition.root import Assembly, assemble
from composition.settings import Settings
from tests.support.clock import ManualClock
from tests.support.secrets import ScriptedSecrets

ADMIN_TOKEN = "admin-token-for-tests-0123456789"
INGEST_TOKEN = "ingest-token-for-tests-0123456789"
OTP_SECRET = "otp-secret-for-tests-0123456789"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        admin_token=ADMIN_TOKEN,
        ingest_token=INGEST_TOKEN,
        otp_secret=OTP_SECRET,
        otp_expose_code=True,
    )


@pytest.fixture
def secrets() -> ScriptedSecrets:
    return ScriptedSecrets()


@pytest.fixture
def assembly(settings: Settings, clock: ManualClock, secrets: ScriptedSecrets) -> Assembly:
    return assemble(settings, clock=clock, secret_source=secrets, sse_keepalive_seconds=0.05)


@pytest.fixture
def telemetry(assembly: Assembly) -> CountingTelemetry:
    counting = CountingTelemetry()
    assembly.container.telemetry.override(providers.Object(counting))
    return counting


@pytest.fixture
def usecases(assembly: Assembly, telemetry: CountingTelemetry) -> UseCases:
    built: UseCases = assembly.container.usecases()
    return built
