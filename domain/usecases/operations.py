"""Readiness use-case: probe every backend concurrently, each within a time limit."""

import asyncio
from collections.abc import Mapping

from domain.model.operations import Readiness
from ports.errors import PortError
from ports.health import HealthProbe


class CheckReadiness:
    """Run every probe at once; a probe slower than `timeout_seconds` counts as failed. A
    degraded backend is reported and does not make the instance unready."""

    def __init__(self, probes: Mapping[str, HealthProbe], *, timeout_seconds: float) -> None:
        self._probes = dict(probes)
        self._timeout_seconds = timeout_seconds

    async def __call__(self) -> Readiness:
        results = await asyncio.gather(*(self._run(probe) for probe in self._probes.values()))
        checks = dict(zip(self._probes, (text for text, _ in results), strict=True))
        failed = {name for name, (_, ok) in zip(self._probes, results, strict=True) if not ok}
        return Readiness(checks=checks, failed=frozenset(failed))

    async def _run(self, probe: HealthProbe) -> tuple[str, bool]:
        """What to report, and whether the backend answered."""
        try:
            async with asyncio.timeout(self._timeout_seconds):
                found = await probe.check()
        except TimeoutError:
            return f"no answer within {self._timeout_seconds:g} s", False
        except PortError as error:
            return f"unavailable: {error}", False
        return ("ok" if found is None else f"degraded: {found.reason}"), True
