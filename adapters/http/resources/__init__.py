"""Falcon resources: parse the request, call one use-case, write the response."""
