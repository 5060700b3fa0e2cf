"""Search history: the latest few distinct terms a user searched for."""

from domain.model.rules import Text

TERM = Text(1, 100, trim=True)
HISTORY_SIZE = 5
HISTORY_TTL_SECONDS = 30 * 24 * 3600
"""A history nobody touched for this long is forgotten."""
