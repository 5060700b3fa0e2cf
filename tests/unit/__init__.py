"""Unit tests, no server and no child process: the model, the use-cases on in-memory adapters, the
edge's declarations and parsing. `make test-unit` runs them alone, in seconds."""
