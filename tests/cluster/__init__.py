"""The Redis adapters on a Redis Cluster (issue 20: what is built so far)."""
