"""Use-cases: one class per operation, ports injected, policy inside."""
