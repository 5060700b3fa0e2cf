"""In-memory `Telemetry`: a counter of outcomes, readable by tests and tools."""

from collections import Counter

from domain.model.coupons import ClaimStrategy
from domain.model.notices import CacheStatus
from ports.telemetry import Telemetry


class CountingTelemetry(Telemetry):
    """`counts[("cache", "HIT")]`, `counts[("claim", "atomic", "sold_out")]`, ..."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, ...]] = Counter()

    def cache_request(self, status: CacheStatus) -> None:
        self.counts["cache", status.value] += 1

    def coupon_claim(self, strategy: ClaimStrategy, result: str) -> None:
        self.counts["claim", strategy.value, result] += 1

    def otp_verification(self, result: str) -> None:
        self.counts["otp", result] += 1
