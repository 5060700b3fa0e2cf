"""The lock-free metrics: what /metrics exposes, bucket edges included."""

from prometheus_client import CollectorRegistry, generate_latest

from adapters.prometheus.loop_metrics import LoopCounter, LoopHistogram


def test_a_counter_is_exposed_with_its_labels() -> None:
    registry = CollectorRegistry()
    counter = LoopCounter("widgets", "Widgets made.", ("kind",), registry=registry)

    counter.labels("round").inc()
    counter.labels("round").inc(2)
    counter.labels("square").inc()

    assert registry.get_sample_value("widgets_total", {"kind": "round"}) == 3
    assert registry.get_sample_value("widgets_total", {"kind": "square"}) == 1
    assert "# TYPE widgets_total counter" in generate_latest(registry).decode()


def test_a_histogram_counts_a_value_on_a_bound_in_that_bucket() -> None:
    registry = CollectorRegistry()
    histogram = LoopHistogram(
        "latency_seconds", "Latency.", ("route",), buckets=(0.1, 1.0), registry=registry
    )
    child = histogram.labels("/x")

    for value in (0.05, 0.1, 0.5, 1.0, 7.0):
        child.observe(value)

    def bucket(le: str) -> float | None:
        return registry.get_sample_value("latency_seconds_bucket", {"route": "/x", "le": le})

    assert (bucket("0.1"), bucket("1.0"), bucket("+Inf")) == (2, 4, 5)
    assert registry.get_sample_value("latency_seconds_count", {"route": "/x"}) == 5
    assert registry.get_sample_value("latency_seconds_sum", {"route": "/x"}) == 8.65
