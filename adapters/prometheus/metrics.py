"""Every collector the service exports, registered on one registry per application."""

from prometheus_client import CollectorRegistry, Gauge

from adapters.prometheus.loop_metrics import LoopCounter, LoopHistogram

LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip
"""Finer than the default at the low end, where a cache hit lives."""


class Metrics:
    """The collectors of API.md, on `registry` (a fresh one per app keeps tests independent).

    Every one is updated from the event loop only (see `loop_metrics`)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.http_requests = LoopCounter(
            "http_requests",
            "HTTP requests by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.http_duration = LoopHistogram(
            "http_request_duration_seconds",
            "Time to the end of the response (to the first byte for streams), by route template.",
            ("route", "method"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache_requests = LoopCounter(
            "cache_requests",
            "Notice pages by how they were served.",
            ("result",),
            registry=self.registry,
        )
        self.db_queries = LoopCounter(
            "db_queries",
            "Queries sent to the notice repository.",
            ("operation",),
            registry=self.registry,
        )
        self.coupon_claims = LoopCounter(
            "coupon_claims",
            "Coupon claims by event strategy and result.",
            ("strategy", "result"),
            registry=self.registry,
        )
        self.otp_verifications = LoopCounter(
            "otp_verifications", "OTP verifications by result.", ("result",), registry=self.registry
        )
        self.db_errors = LoopCounter(
            "db_errors",
            "Errors from the database by kind (connection, statement_timeout, pool_timeout, ...).",
            ("kind",),
            registry=self.registry,
        )
        self.redis_errors = LoopCounter(
            "redis_errors",
            "Errors from Redis by kind (connection, timeout, response, ...).",
            ("kind",),
            registry=self.registry,
        )
        self.ledger_written = LoopCounter(
            "ledger_entries_written",
            "Issued coupons the ledger worker wrote to the archive.",
            (),
            registry=self.registry,
        )
        self.ledger_conflicts = LoopCounter(
            "ledger_conflicts",
            "Feed entries the archive refused: another owner or number archived (naive claims).",
            (),
            registry=self.registry,
        )
        self.ledger_dead_letters = LoopCounter(
            "ledger_dead_letters",
            "Poison feed entries parked in the dead letters.",
            (),
            registry=self.registry,
        )
        self.ledger_restores = LoopCounter(
            "ledger_restores",
            "Coupon events brought back in line with the archive after Redis lost data.",
            (),
            registry=self.registry,
        )
        self.ledger_restored_coupons = LoopCounter(
            "ledger_restored_coupons",
            "Coupons those restores put back, moved or took back in Redis.",
            (),
            registry=self.registry,
        )
        for counter in (
            self.ledger_written,
            self.ledger_conflicts,
            self.ledger_dead_letters,
            self.ledger_restores,
            self.ledger_restored_coupons,
        ):
            counter.labels()  # a series at 0 from the start, not from the first event
        self.ledger_pending = Gauge(
            "ledger_pending_entries",
            "Feed entries read by a ledger worker and not acknowledged yet.",
            registry=self.registry,
        )
        self.ledger_unread = Gauge(
            "ledger_unread_entries",
            "Feed entries no ledger worker has read yet.",
            registry=self.registry,
        )
        self.redis_memory_used = Gauge(
            "redis_memory_used_bytes",
            "Memory Redis uses (INFO memory used_memory), as of the last probe or scrape.",
            registry=self.registry,
        )
        self.redis_memory_max = Gauge(
            "redis_memory_max_bytes",
            "Redis's maxmemory (0: no limit); at it, with noeviction, Redis refuses writes.",
            registry=self.registry,
        )
        self.ledger_lag = Gauge(
            "ledger_lag_seconds",
            "Age of the oldest feed entry not acknowledged by the archive (0: caught up).",
            registry=self.registry,
        )
