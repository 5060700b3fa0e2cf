"""Field types the API shares: identifiers, paging, text and numbers, with their limits.

NOTE on patterns: msgspec checks them with Python's `re.search`, clients and Schemathesis with
ECMAScript semantics, and the two must agree on every string. Python's `$` also matches before
a final newline, so whole-string patterns end in `$(?!\\n)`; whitespace is an explicit class
(ECMAScript's `\\s`), because the engines' `\\s` differ.
"""

import functools
from datetime import UTC, datetime
from typing import Annotated, Final

from msgspec import Meta, Struct

from domain.model.paging import PageRequest

WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""What trimming removes: exactly ECMAScript's `\\s`, so that the schema's pattern and the
server agree on what a blank string is."""

_KEPT: Final = (
    "[^\\u0000\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f"
    "\\u3000\\ufeff]"
)
TEXT: Final = f"^[^\\u0000]*{_KEPT}[^\\u0000]*$(?!\\n)"
"""Free text (titles, bodies, terms, names): something besides whitespace, and no NUL, which
PostgreSQL cannot store in text and no reader wants."""


def free_text(max_length: int) -> Meta:
    """The rule of free text of at most `max_length` characters, stored trimmed."""
    return Meta(
        min_length=1,
        max_length=max_length,
        pattern=TEXT,
        description=f"1-{max_length} characters, not only whitespace, no NUL; stored trimmed",
    )


def trim(text: str) -> str:
    return text.strip(WHITESPACE)


_IDENTIFIER: Final = "^[A-Za-z0-9_.@+-]+$(?!\\n)"

UserId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=_IDENTIFIER,
        description="1-64 characters of letters, digits and _ . @ + -; case-insensitive: "
        "the service keeps and returns it in lower case",
        examples=["alice"],
    ),
]
"""`user_id`: the edge canonicalises it (`domain.model.identity.user_id`)."""

Member = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=_IDENTIFIER,
        description="1-64 characters of letters, digits and _ . @ + -",
        examples=["alice"],
    ),
]
"""A ranking `member`: kept as given (case matters)."""

Name = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern="^[A-Za-z0-9_-]+$(?!\\n)",
        description="1-64 characters of letters, digits and _ -",
        examples=["weekly"],
    ),
]
"""`board`, `channel` and usage `source`."""

MAX_ID: Final = 2**63 - 1
Id = Annotated[int, Meta(ge=1, le=MAX_ID, description="A positive 64-bit integer")]


def parse_id(text: str) -> int | None:
    """`text` as an `Id`: 1 to 2**63 - 1 in plain ASCII digits, or None. (`int()` also takes
    `+1`, `1_0` and Arabic-Indic digits; a path or an argument must not.)"""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


Count = Annotated[int, Meta(ge=0)]
Seconds = Annotated[int, Meta(ge=1)]

FINITE_MAX: Final = 1.7976931348623157e308
Finite = Annotated[
    float,
    Meta(
        ge=-FINITE_MAX,
        le=FINITE_MAX,
        description="A finite number (beyond a double's range is refused)",
    ),
]

Limit = Annotated[int, Meta(ge=1, le=100, description="Items per page")]
Offset = Annotated[int, Meta(ge=0, le=100_000, description="Items to skip")]


class Paging(Struct, forbid_unknown_fields=False):
    """`limit` and `offset` of a list (unknown query parameters are ignored)."""

    limit: Limit = 20
    offset: Offset = 0


Timestamp = Annotated[
    str,
    Meta(
        extra_json_schema={"format": "date-time", "examples": ["2026-11-25T18:00:00.123Z"]},
        description="RFC 3339, UTC, milliseconds",
    ),
]


@functools.lru_cache(maxsize=1024)
def page_request(limit: int, offset: int) -> PageRequest:
    """The domain's page request, one object per (limit, offset): hot pages build nothing."""
    return PageRequest(limit=limit, offset=offset)


def rfc3339(moment: datetime) -> str:
    """`2026-11-25T18:00:00.123Z` for an aware datetime (converted to UTC)."""
    # NOTE: isoformat is C code; strftime was a third of a cached page's serving time.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
