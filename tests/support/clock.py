"""A `Clock` that moves only when told: TTLs are tested by advancing it, never by sleeping."""

from datetime import UTC, datetime, timedelta

from ports.clock import Clock

START = datetime(2026, 11, 25, 18, 0, 0, tzinfo=UTC)


class ManualClock(Clock):
    """Starts at `START` and moves forward by `advance(seconds)`."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def timestamp(self) -> float:
        return self._now.timestamp()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        self._now += timedelta(seconds=seconds)
