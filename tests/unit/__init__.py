"""Unit tests: the model, the use-cases on in-memory adapters, and the HTTP API."""
