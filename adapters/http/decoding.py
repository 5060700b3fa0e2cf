"""Requests as their declared Structs: 422 with every broken rule at once for well-formed input
that breaks the declarations.

A body is parsed once (`adapters.http.parsing`) and converted into its Struct by msgspec. Only
when that fails are the fields checked one by one, so that a client learns everything wrong
with a request in one answer.
"""

import functools
import re
import typing
from collections.abc import Mapping
from typing import Any, Final, TypeVar

import msgspec

from adapters.http.declared import base, beyond_stated_bounds, meta
from adapters.http.messages.fields import TEXT, WHITESPACE
from adapters.http.messages.problems import FieldError
from adapters.http.parsing import OutOfRange, malformed, parse
from adapters.http.problems import HttpProblem

S = TypeVar("S", bound=msgspec.Struct)

MAX_DEPTH: Final = 32
"""How deep a client's JSON object (`payload`) may nest. Every encoder on its way (Redis,
Server-Sent Events) handles this depth; the parser's own limit is far higher and answers 400."""

_DECIMAL = re.compile(r"-?[0-9]{1,20}")
_PATH = re.compile(r"\s+- at `\$(?:\.(\w+))?[^`]*`$")


def decode_body(raw: bytes, kind: type[S]) -> S:
    """The body as a `kind`: 400 if it is not one well-formed JSON document (duplicate object
    members included), 422 listing every rule it breaks."""
    try:
        document = parse(raw)
    except OutOfRange:
        raise _out_of_range(raw, kind) from None
    try:
        value: S = msgspec.convert(document, kind)
    except msgspec.ValidationError:
        value = _checked(kind, document)
    refused = [
        FieldError(name, f"must nest at most {MAX_DEPTH} levels")
        for name in kind.__struct_fields__
        if _too_deep(getattr(value, name))
    ]
    refused += beyond_stated_bounds(value, raw)
    if refused:
        raise _invalid(refused)
    return value


def decode_query(params: Mapping[str, str | list[str]], kind: type[S]) -> S:
    """The query parameters as a `kind`; unknown parameters are ignored (proxies add their own).
    Integers are plain decimal digits, each parameter is given once."""
    if not params:
        defaults: S = _defaults(kind)
        return defaults
    document: dict[str, object] = {}
    errors: list[FieldError] = []
    for field in msgspec.structs.fields(kind):
        raw = params.get(field.encode_name)
        if raw is None:
            if field.required:
                errors.append(FieldError(field.encode_name, "is required"))
            continue
        value, message = _query_value(raw, field.type)
        if message is None:
            message = _refusal(field.type, value)
        if message is not None:
            errors.append(FieldError(field.encode_name, message))
        else:
            document[field.encode_name] = value
    if errors:
        raise _invalid(errors)
    converted: S = msgspec.convert(document, kind)
    return converted


def path_errors(values: Mapping[str, object], types: Mapping[str, Any]) -> list[FieldError]:
    """The rules that path parameters break (`types` maps a parameter to its declared type)."""
    errors: list[FieldError] = []
    for name, declared in types.items():
        message = _refusal(declared, values[name])
        if message is not None:
            errors.append(FieldError(name, message))
    return errors


def invalid(errors: list[FieldError]) -> HttpProblem:
    """The 422 answer listing `errors`."""
    return _invalid(errors)


def _query_value(raw: str | list[str], declared: Any) -> tuple[object, str | None]:
    """The value of a query parameter, or why it cannot be one."""
    if isinstance(raw, list):
        return raw, "must be given once"
    if base(declared) is int:
        if _DECIMAL.fullmatch(raw) is None:
            return raw, "must be an integer"
        return int(raw), None
    return raw, None


@functools.cache
def _defaults(kind: type[S]) -> S:
    try:
        return kind()
    except TypeError:  # a required parameter: report it like any other
        raise _invalid(
            [FieldError(f.encode_name, "is required") for f in msgspec.structs.fields(kind)]
        ) from None


def _out_of_range(raw: bytes, kind: type[msgspec.Struct]) -> HttpProblem:
    """422 naming the field that holds a number beyond what it can hold: msgspec's typed
    decoder says which (a refusal's second reading, never an accepted body's)."""
    try:
        msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        return _invalid([_error_at(error)])
    except msgspec.DecodeError as error:
        return malformed(error)
    return _invalid([FieldError("body", "holds a number out of range")])


def _checked(kind: type[S], document: object) -> S:
    """`document` as a `kind`, field by field: 422 listing every field that breaks its rule.

    NOTE: JSON has one number type, and JSON Schema counts `427.0` as the integer 427; so does
    this check (the fast decoder refuses any fraction syntax for an `int`)."""
    if not isinstance(document, dict):
        raise _invalid([FieldError("body", "must be a JSON object")])
    errors: list[FieldError] = []
    values: dict[str, object] = {}
    for field in msgspec.structs.fields(kind):
        if field.encode_name not in document:
            if field.required:
                errors.append(FieldError(field.encode_name, "is required"))
            continue
        value = document[field.encode_name]
        if base(field.type) is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        message = _refusal(field.type, value)
        if message is not None:
            errors.append(FieldError(field.encode_name, message))
        values[field.encode_name] = value
    if kind.__struct_config__.forbid_unknown_fields:
        unknown = sorted(document.keys() - values.keys() - set(kind.__struct_fields__))
        errors.extend(FieldError(name, "is not a known field") for name in unknown)
    if errors:
        raise _invalid(errors)
    try:
        converted: S = msgspec.convert(values, kind)
    except msgspec.ValidationError as error:
        raise _invalid([_error_at(error)]) from None
    return converted


def _refusal(declared: Any, value: object) -> str | None:
    """Why `value` is not a `declared`, in words, or None."""
    try:
        msgspec.convert(value, declared)
    except msgspec.ValidationError as error:
        return _in_words(_PATH.sub("", str(error)), declared, value)
    if _too_deep(value):
        return f"must nest at most {MAX_DEPTH} levels"
    return None


def _error_at(error: msgspec.ValidationError) -> FieldError:
    text = str(error)
    match = _PATH.search(text)
    field = match.group(1) if match and match.group(1) else "body"
    return FieldError(field, _in_words(_PATH.sub("", text), None, None))


_TYPES: Final = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "object": "a JSON object",
    "array": "an array",
}
_EXPECTED = re.compile(r"Expected `(\w+)`(?:, got `\w+`|( of length)? ([<>]=) (\S+))?$")


def _in_words(message: str, declared: Any, value: object) -> str:
    """msgspec's message ("Expected `str` of length >= 1") as the API words it."""
    if "matching regex" in message:
        if meta(declared).pattern == TEXT and isinstance(value, str):
            blank = not value.strip(WHITESPACE)
            return "must not be blank" if blank else "must not contain NUL characters"
        return f"must be {_description(declared)}"
    if message.startswith("Invalid enum value"):
        choices = typing.get_args(base(declared)) if declared is not None else ()
        return "must be one of: " + ", ".join(map(str, choices))
    if message in ("Number out of range", "Integer value out of range"):
        return "is out of range"
    match = _EXPECTED.match(message)
    if match is None:
        return message
    kind, length, bound, limit = match.groups()
    if bound is None:
        return f"must be {_TYPES.get(kind, kind)}"
    unit = " characters" if length and kind == "str" else " items" if length else ""
    if length and bound == ">=" and limit == "1":
        return "must not be empty"
    return f"must be at {'least' if bound == '>=' else 'most'} {limit}{unit}"


def _too_deep(value: object) -> bool:
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


def _description(declared: Any) -> str:
    return meta(declared).description or "well-formed"


def _invalid(errors: list[FieldError]) -> HttpProblem:
    return HttpProblem(422, "the request breaks the rules below", errors=errors)
