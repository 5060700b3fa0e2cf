"""Readiness: whether every backend the service needs answers, check by check."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    """`checks` maps each backend to "ok" or to why it failed."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(result == "ok" for result in self.checks.values())
