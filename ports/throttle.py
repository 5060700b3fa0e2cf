"""The `Throttle` port: fixed-window rate limits shared by every instance of the service."""

from typing import Protocol

from domain.model.throttling import Admission


class Throttle(Protocol):
    """At most `limit` admissions per key per window.

    Contract:
    - `admit` is one atomic step: if `key` was admitted `limit` times in its current window
      (which starts at its first admission and lasts `window_seconds`), it returns
      `Throttled` with the whole seconds until the window ends (at least 1) and counts
      nothing; otherwise it counts one admission and returns `Admitted`.
    - Of any number of concurrent calls on a fresh key, exactly `limit` are admitted.
    - A retried call (a reply lost on the way) may count twice: that makes the throttle
      stricter, never looser, which is the safe side for a limit.
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    async def admit(self, key: str, *, limit: int, window_seconds: int) -> Admission: ...
