"""Usage ingestion: numbered records per source, and what was received of them."""

from dataclasses import dataclass

from domain.model.payloads import JsonObject


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageRecord:
    """One record sent by `source`; `seq` numbers the records of a source."""

    source: str
    seq: int
    payload: JsonObject | None = None

    def __post_init__(self) -> None:
        if self.seq < 0:
            raise ValueError("sequence numbers start at 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageStats:
    """Records received from a source: all of them, and how many distinct `seq` among them.

    `count - distinct_seq` are duplicates (a retried write); sent minus `distinct_seq` were lost.
    """

    source: str
    count: int
    distinct_seq: int
