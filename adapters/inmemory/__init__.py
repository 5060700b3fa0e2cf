"""In-process adapters for every port: the `memory` profile, and the contract suite's reference.

They behave like the Redis adapters: TTLs follow the injected clock, and every call yields to
the event loop once, where a network round trip would, so the same interleavings happen.
"""
