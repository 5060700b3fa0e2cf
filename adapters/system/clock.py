"""System `Clock`: UTC wall time that never steps backwards."""

from datetime import UTC, datetime

from ports.clock import Clock


class SystemClock(Clock):
    """`datetime.now(UTC)`, held at the last value if the system clock is set back."""

    def __init__(self) -> None:
        self._last = datetime.now(UTC)

    def now(self) -> datetime:
        now = datetime.now(UTC)
        if now < self._last:
            return self._last
        self._last = now
        return now
