"""The `HealthProbe` port: can a backend be used right now."""

from typing import Protocol

from domain.model.operations import Degraded


class HealthProbe(Protocol):
    """One backend's readiness check.

    Contract: `check` does one cheap round trip. It returns None if the backend answered and
    can do everything, `Degraded` with the reason if it answered but cannot (a full Redis
    refuses writes), and raises `BackendUnavailable` / `BackendTimeout` if it did not answer.
    It has no effect on data.
    """

    async def check(self) -> Degraded | None: ...
