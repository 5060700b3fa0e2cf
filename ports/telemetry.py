"""The `Telemetry` port: counts of domain outcomes, for dashboards and load reports."""

from typing import Protocol

from domain.model.coupons import ClaimStrategy
from domain.model.notices import CacheStatus


class Telemetry(Protocol):
    """Outcome counters the use-cases report.

    Contract: synchronous, in-process and infallible. Reporting never blocks and never raises:
    a metrics problem must not fail a request.
    - `cache_request`: how a notice page was served.
    - `coupon_claim`: `result` is one of "claimed", "already_claimed", "sold_out",
      "lock_busy", "unavailable".
    - `otp_verification`: `result` is one of "verified", "wrong_code", "no_code", "unavailable".
    """

    def cache_request(self, status: CacheStatus) -> None: ...

    def coupon_claim(self, strategy: ClaimStrategy, result: str) -> None: ...

    def otp_verification(self, result: str) -> None: ...
