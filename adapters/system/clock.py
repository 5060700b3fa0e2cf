"""System `Clock`: UTC wall time that never steps backwards."""

import time
from datetime import UTC, datetime

from ports.clock import Clock


class SystemClock(Clock):
    """`time.time()`, held at the last value if the system clock is set back."""

    def __init__(self) -> None:
        self._last = time.time()

    def timestamp(self) -> float:
        now = time.time()
        if now < self._last:
            return self._last
        self._last = now
        return now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)
