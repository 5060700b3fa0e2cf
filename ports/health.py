"""The `HealthProbe` port: can a backend be used right now."""

from typing import Protocol


class HealthProbe(Protocol):
    """One backend's readiness check.

    Contract: `check` does one cheap round trip and returns if the backend answered, else raises
    `BackendUnavailable` / `BackendTimeout`. It has no effect on data.
    """

    async def check(self) -> None: ...
