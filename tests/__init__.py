"""Tests: unit (model, use-cases, HTTP), contract (every adapter of every port), benchmarks."""
