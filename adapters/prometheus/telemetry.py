"""Prometheus `Telemetry`: domain outcomes as counters."""

from adapters.prometheus.metrics import Metrics
from domain.model.coupons import ClaimOutcome, ClaimStrategy
from domain.model.ledger import Backlog
from domain.model.notices import CacheStatus
from domain.model.otp import VerificationOutcome
from ports.telemetry import Telemetry


class PrometheusTelemetry(Telemetry):
    """`cache_requests_total`, `coupon_claims_total`, `otp_verifications_total`, and the
    ledger worker's `ledger_*` series."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._cache_requests = {
            status: metrics.cache_requests.labels(status.value.lower()) for status in CacheStatus
        }

    def cache_request(self, status: CacheStatus) -> None:
        self._cache_requests[status].inc()

    def coupon_claim(self, strategy: ClaimStrategy, outcome: ClaimOutcome) -> None:
        self._metrics.coupon_claims.labels(strategy.value, outcome.value).inc()

    def otp_verification(self, outcome: VerificationOutcome) -> None:
        self._metrics.otp_verifications.labels(outcome.value).inc()

    def ledger_archived(self, *, written: int, conflicts: int) -> None:
        self._metrics.ledger_written.labels().inc(written)
        self._metrics.ledger_conflicts.labels().inc(conflicts)

    def ledger_parked(self) -> None:
        self._metrics.ledger_dead_letters.labels().inc()

    def ledger_backlog(self, backlog: Backlog) -> None:
        self._metrics.ledger_pending.set(backlog.pending)
        self._metrics.ledger_unread.set(backlog.unread)
        self._metrics.ledger_lag.set(backlog.lag_seconds)

    def ledger_restored(self, *, changed: int) -> None:
        self._metrics.ledger_restores.labels().inc()
        self._metrics.ledger_restored_coupons.labels().inc(changed)
