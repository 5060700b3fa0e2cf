"""The `Telemetry` port: counts of domain outcomes, for dashboards and load reports."""

from typing import Protocol

from domain.model.coupons import ClaimOutcome, ClaimStrategy
from domain.model.ledger import Backlog
from domain.model.notices import CacheStatus
from domain.model.otp import VerificationOutcome


class Telemetry(Protocol):
    """Outcome counters the use-cases report.

    Contract: synchronous, in-process and infallible. Reporting never blocks and never raises:
    a metrics problem must not fail a request.
    - `cache_request`: how a notice page was served.
    - `coupon_claim`: how a claim under a strategy ended.
    - `otp_verification`: how a verification ended.
    - `ledger_archived`: coupons the ledger worker wrote to the archive, and conflicts (entries
      the archive refused: another owner or number archived); `ledger_parked`: poison entries
      moved to the dead letters; `ledger_backlog`: the feed's backlog as last measured;
      `ledger_restored`: an event's live ledger brought back in line with the archive, and
      how many live coupons that changed.
    """

    def cache_request(self, status: CacheStatus) -> None: ...

    def coupon_claim(self, strategy: ClaimStrategy, outcome: ClaimOutcome) -> None: ...

    def otp_verification(self, outcome: VerificationOutcome) -> None: ...

    def ledger_archived(self, *, written: int, conflicts: int) -> None: ...

    def ledger_parked(self) -> None: ...

    def ledger_backlog(self, backlog: Backlog) -> None: ...

    def ledger_restored(self, *, changed: int) -> None: ...
