"""Search history: the latest few distinct terms a user searched for."""

HISTORY_SIZE = 5
HISTORY_TTL_SECONDS = 30 * 24 * 3600
"""A history nobody touched for this long is forgotten."""
