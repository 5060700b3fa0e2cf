"""Every collector the service exports, registered on one registry per application."""

import os
from collections.abc import Mapping
from typing import Final

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.multiprocess import MultiProcessCollector

from adapters.prometheus.loop_metrics import LoopCounter, LoopHistogram, ProcessFile

SHARED_DIRECTORY: Final = "PROMETHEUS_MULTIPROC_DIR"
"""The metrics directory of a server of several workers: prometheus-client's own variable,
which its gauges read when it is imported (so a server sets it before its workers start)."""

LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip
"""Finer than the default at the low end, where a cache hit lives."""


class Metrics:
    """The collectors of API.md, on `registry` (a fresh one per app keeps tests independent).

    Every one is updated from the event loop only (see `loop_metrics`). In a worker of a
    server (`shared_directory`), each also goes to the worker's file there, and `exposed`
    sums every worker's files: counters and histograms add up; a gauge is the most recent
    value any worker set (each is a measurement of a shared backend, such as Redis's memory
    or the ledger feed's backlog, which every worker measures alike)."""

    def __init__(
        self, registry: CollectorRegistry | None = None, *, shared_directory: str | None = None
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        shared = ProcessFile(shared_directory) if shared_directory else None
        self.exposed = self.registry
        """What /metrics renders: this registry, or the sum of every worker's files."""
        if shared_directory:
            self.exposed = CollectorRegistry()
            MultiProcessCollector(self.exposed, path=shared_directory)  # type: ignore[no-untyped-call]
        self.http_requests = LoopCounter(
            "http_requests",
            "HTTP requests by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
            shared=shared,
        )
        self.http_duration = LoopHistogram(
            "http_request_duration_seconds",
            "Time to the end of the response (to the first byte for streams), by route template.",
            ("route", "method"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
            shared=shared,
        )
        self.cache_requests = LoopCounter(
            "cache_requests",
            "Notice pages by how they were served.",
            ("result",),
            registry=self.registry,
            shared=shared,
        )
        self.db_queries = LoopCounter(
            "db_queries",
            "Queries sent to the notice repository.",
            ("operation",),
            registry=self.registry,
            shared=shared,
        )
        self.coupon_claims = LoopCounter(
            "coupon_claims",
            "Coupon claims by event strategy and result.",
            ("strategy", "result"),
            registry=self.registry,
            shared=shared,
        )
        self.otp_verifications = LoopCounter(
            "otp_verifications",
            "OTP verifications by result.",
            ("result",),
            registry=self.registry,
            shared=shared,
        )
        self.db_errors = LoopCounter(
            "db_errors",
            "Errors from the database by kind (connection, statement_timeout, pool_timeout, ...).",
            ("kind",),
            registry=self.registry,
            shared=shared,
        )
        self.redis_errors = LoopCounter(
            "redis_errors",
            "Errors from Redis by kind (connection, timeout, response, ...).",
            ("kind",),
            registry=self.registry,
            shared=shared,
        )
        self.ledger_written = LoopCounter(
            "ledger_entries_written",
            "Issued coupons the ledger worker wrote to the archive.",
            (),
            registry=self.registry,
            shared=shared,
        )
        self.ledger_conflicts = LoopCounter(
            "ledger_conflicts",
            "Feed entries the archive refused: another owner or number archived (naive claims).",
            (),
            registry=self.registry,
            shared=shared,
        )
        self.ledger_dead_letters = LoopCounter(
            "ledger_dead_letters",
            "Poison feed entries parked in the dead letters.",
            (),
            registry=self.registry,
            shared=shared,
        )
        self.ledger_restores = LoopCounter(
            "ledger_restores",
            "Coupon events brought back in line with the archive after Redis lost data.",
            (),
            registry=self.registry,
            shared=shared,
        )
        self.ledger_restored_coupons = LoopCounter(
            "ledger_restored_coupons",
            "Coupons those restores put back, moved or took back in Redis.",
            (),
            registry=self.registry,
            shared=shared,
        )
        self.near_cache_invalidations = LoopCounter(
            "near_cache_invalidations",
            "Invalidation pushes the near cache's tracking connection received from Redis.",
            (),
            registry=self.registry,
            shared=shared,
        )
        self.near_cache_flushes = LoopCounter(
            "near_cache_flushes",
            "Times the near cache dropped every page, by reason: generation (a post), flushall, "
            "own_write, tracking_started, tracking_stopped.",
            ("reason",),
            registry=self.registry,
            shared=shared,
        )
        for counter in (
            self.near_cache_invalidations,
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
            multiprocess_mode="mostrecent",
        )
        self.ledger_unread = Gauge(
            "ledger_unread_entries",
            "Feed entries no ledger worker has read yet.",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.redis_memory_used = Gauge(
            "redis_memory_used_bytes",
            "Memory Redis uses (INFO memory used_memory), as of the last probe or scrape.",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.redis_memory_max = Gauge(
            "redis_memory_max_bytes",
            "Redis's maxmemory (0: no limit); at it, with noeviction, Redis refuses writes.",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.near_cache_bytes = Gauge(
            "near_cache_bytes",
            "Bytes of pages the near cache holds (every worker's, summed).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.ledger_lag = Gauge(
            "ledger_lag_seconds",
            "Age of the oldest feed entry not acknowledged by the archive (0: caught up).",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )


def process_metrics(environ: Mapping[str, str] = os.environ) -> Metrics:
    """This process's metrics: a worker's of a server when its metrics directory is set."""
    return Metrics(shared_directory=environ.get(SHARED_DIRECTORY) or None)
