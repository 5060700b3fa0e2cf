"""In-memory `Telemetry`: a counter of outcomes, readable by tests and tools."""

from collections import Counter

from domain.model.coupons import ClaimOutcome, ClaimStrategy
from domain.model.ledger import Backlog
from domain.model.notices import CacheStatus
from domain.model.otp import VerificationOutcome
from ports.telemetry import Telemetry


class CountingTelemetry(Telemetry):
    """`counts[("cache", "HIT")]`, `counts[("claim", "atomic", "sold_out")]`, ...; the last
    backlog reported in `backlog`."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, ...]] = Counter()
        self.backlog: Backlog | None = None

    def cache_request(self, status: CacheStatus) -> None:
        self.counts["cache", status.value] += 1

    def coupon_claim(self, strategy: ClaimStrategy, outcome: ClaimOutcome) -> None:
        self.counts["claim", strategy.value, outcome.value] += 1

    def otp_verification(self, outcome: VerificationOutcome) -> None:
        self.counts["otp", outcome.value] += 1

    def ledger_archived(self, *, written: int, conflicts: int) -> None:
        self.counts["ledger", "written"] += written
        self.counts["ledger", "conflicts"] += conflicts

    def ledger_parked(self) -> None:
        self.counts["ledger", "parked"] += 1

    def ledger_backlog(self, backlog: Backlog) -> None:
        self.backlog = backlog

    def ledger_restored(self, *, changed: int) -> None:
        self.counts["ledger", "restores"] += 1
        self.counts["ledger", "restored"] += changed
