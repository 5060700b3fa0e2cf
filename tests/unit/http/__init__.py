"""HTTP tests: API.md route by route, through `falcon.testing.ASGIConductor`."""
