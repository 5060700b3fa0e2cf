"""Reading a request body and parsing it, once, into plain JSON values: 413 beyond the limit,
400 for anything that is not one JSON document.

NOTE: the standard library's parser is the one parser because it alone sees repeated members
(every fast parser keeps the last one silently). msgspec then converts and checks the values
(`adapters.http.decoding`).
"""

import json
import math
from typing import Final

import falcon.asgi
import msgspec

from adapters.http.problems import HttpProblem


class OutOfRange(ValueError):
    """A number no declaration can hold: beyond a double, or of more than 4300 digits."""


class _NotJson(ValueError):
    pass


async def read_body(req: falcon.asgi.Request, max_body_bytes: int) -> bytes:
    """The raw body, read at most one byte past the limit: 413 beyond it, 400 if empty."""
    raw: bytes = await req.stream.read(max_body_bytes + 1)
    if len(raw) > max_body_bytes:
        raise HttpProblem(413, f"the body must be at most {max_body_bytes} bytes")
    if not raw.strip():
        raise HttpProblem(400, "a JSON body is required")
    return raw


def parse(raw: bytes) -> object:
    """`raw` as plain values: 400 unless it is one JSON document in UTF-8 with no repeated
    member, no NaN or Infinity and no lone surrogate; `OutOfRange` for a number beyond any
    declaration (which the caller reports against its field)."""
    try:
        text = raw.decode()  # strict: json.loads(bytes) would let UTF-8 surrogates through
        document = _PARSER.decode(text)
        if "\\u" in text:  # an escape may spell a lone surrogate, which UTF-8 cannot encode
            _encode(document)
    except _NotJson as refused:
        raise HttpProblem(400, f"the body is not valid JSON: {refused}") from None
    except UnicodeEncodeError:
        raise HttpProblem(400, "the body is not valid JSON: it holds a lone surrogate") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise malformed(error) from None
    except ValueError as error:  # int() refuses more than 4300 digits
        raise OutOfRange(str(error)) from None
    return document


def malformed(error: Exception) -> HttpProblem:
    """The 400 answer for a body the parser (or msgspec's) refused."""
    if isinstance(error, RecursionError):
        return HttpProblem(400, "the body is not valid JSON: it nests too deeply")
    return HttpProblem(400, f"the body is not valid JSON: {error}")


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    members = dict(pairs)
    if len(members) != len(pairs):
        names = [name for name, _ in pairs]
        repeated = next(name for name in names if names.count(name) > 1)
        raise _NotJson(f"an object repeats the member {repeated!r}")
    return members


def _not_a_number(constant: str) -> object:
    raise _NotJson(f"{constant} is not a JSON number")


def _finite(literal: str) -> float:
    number = float(literal)
    if math.isinf(number):
        raise OutOfRange(literal)
    return number


_PARSER: Final = json.JSONDecoder(
    object_pairs_hook=_unique_members, parse_constant=_not_a_number, parse_float=_finite
)
"""Built once: `json.loads` with arguments builds a decoder on every call."""

_encode: Final = msgspec.json.Encoder().encode
