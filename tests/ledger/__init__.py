"""The durable coupon ledger end to end: real Redis, real PostgreSQL, worker processes."""
