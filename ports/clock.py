"""The `Clock` port: the only way the domain and the in-memory adapters learn the time."""

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Current time, injected so that tests move it instead of sleeping.

    Contract:
    - `now()` returns an aware UTC datetime and never goes backwards.
    - `timestamp()` is the same instant in seconds since the epoch, as TTL arithmetic wants it
      (without building a datetime on every cache lookup).
    - Synchronous on purpose: reading a clock is not I/O, and TTL checks happen on hot paths.
    """

    def now(self) -> datetime: ...

    def timestamp(self) -> float: ...
