"""Prometheus `Telemetry`: domain outcomes as counters."""

from adapters.prometheus.metrics import Metrics
from domain.model.coupons import ClaimStrategy
from domain.model.notices import CacheStatus
from ports.telemetry import Telemetry


class PrometheusTelemetry(Telemetry):
    """`cache_requests_total`, `coupon_claims_total`, `otp_verifications_total`."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._cache_requests = {
            status: metrics.cache_requests.labels(status.value.lower()) for status in CacheStatus
        }

    def cache_request(self, status: CacheStatus) -> None:
        self._cache_requests[status].inc()

    def coupon_claim(self, strategy: ClaimStrategy, result: str) -> None:
        self._metrics.coupon_claims.labels(strategy.value, result).inc()

    def otp_verification(self, result: str) -> None:
        self._metrics.otp_verifications.labels(result).inc()
