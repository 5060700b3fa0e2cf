"""HTTP tests: API.md route by route, on every profile, over real Redis, Sentinel and PostgreSQL
(through `falcon.testing.ASGIConductor`), and over real sockets where the transport matters."""
