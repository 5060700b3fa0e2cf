"""Bodies of `/healthz` and `/readyz`."""

from typing import Literal

from msgspec import Struct


class Health(Struct):
    """The process is alive (no backend was asked)."""

    status: Literal["ok"]


class Readiness(Struct):
    """Every backend answered; `checks` says "ok" for each, or "degraded: <why>" for one that
    answers but cannot do everything (a full Redis refuses writes)."""

    status: Literal["ready"]
    checks: dict[str, str]
