"""Use-cases wired by the real composition root, on in-memory adapters and a manual clock."""

import pytest
from dependency_injector import providers

from adapters.http.app import UseCases
from composition.root import Assembly, assemble
from composition.settings import Settings
from tests.support.clock import ManualClock
from tests.support.secrets import ScriptedSecrets
from tests.support.telemetry import CountingTelemetry


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
