"""Throttling: how many times something may happen per window, and the answer when it may not."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Admitted:
    """Counted: the action may go ahead."""


@dataclass(frozen=True, slots=True)
class Throttled:
    """The window's limit is reached; nothing was counted; it ends in `retry_after` seconds."""

    retry_after: int


Admission = Admitted | Throttled
