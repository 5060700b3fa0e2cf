"""Property-based API testing: Schemathesis against the served OpenAPI document."""
