"""Readiness: whether every backend the service needs answers, check by check."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Degraded:
    """A backend that answers but cannot do everything, and why (a Redis at its `maxmemory`
    refuses writes and still serves reads)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    """`checks` maps each backend to "ok", to why it is degraded, or to why it failed;
    `failed` names the backends that did not answer."""

    checks: dict[str, str]
    failed: frozenset[str] = field(default_factory=frozenset)

    @property
    def ready(self) -> bool:
        """Whether this instance can serve: every backend answered. A degraded one still
        counts as answering (see docs/operations.md: an orchestrator takes an instance that
        is not ready out of rotation, and every instance shares the same backends)."""
        return not self.failed
