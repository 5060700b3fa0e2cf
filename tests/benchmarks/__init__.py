"""Micro-benchmarks (pytest-benchmark): `make bench`, never part of `make test`."""
