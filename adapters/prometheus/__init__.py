"""Prometheus adapters: the service's collectors, the `Telemetry` port, instrumented ports."""
