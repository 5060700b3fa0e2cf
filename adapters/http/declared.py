"""What a field's declaration says: its base type, its `Meta`, and the numeric bounds it states,
held to the last decimal."""

import functools
import json
import typing
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from adapters.http.messages.problems import FieldError


def base(declared: Any) -> Any:
    """`int` for `Annotated[int, Meta(...)]`; the type itself when not annotated."""
    return typing.get_args(declared)[0] if typing.get_origin(declared) is Annotated else declared


def meta(declared: Any) -> msgspec.Meta:
    for found in typing.get_args(declared)[1:]:
        if isinstance(found, msgspec.Meta):
            return found
    return msgspec.Meta()


@functools.cache
def _float_bounds(kind: type[msgspec.Struct]) -> dict[str, tuple[float | None, float | None]]:
    """The `ge` and `le` of each float field of `kind`."""
    return {
        field.encode_name: (meta(field.type).ge, meta(field.type).le)
        for field in msgspec.structs.fields(kind)
        if base(field.type) is float
        and (meta(field.type).ge is not None or meta(field.type).le is not None)
    }


def beyond_stated_bounds(value: msgspec.Struct, raw: bytes) -> list[FieldError]:
    """The float fields of `value` (decoded from `raw`) whose JSON number lies beyond a bound
    the API states, although it rounded onto the bound as a double: -1.79769313486231575e308
    becomes -1.7976931348623157e308, the stated minimum, yet it is less. Only a value equal to
    a bound can be one, so the body is read again, exactly, only then."""
    bounds = _float_bounds(type(value))
    suspects = [name for name, limits in bounds.items() if getattr(value, name) in limits]
    if not suspects:
        return []
    document = json.loads(raw, parse_float=Decimal)
    errors = []
    for name in suspects:
        exact, (least, most) = Decimal(document[name]), bounds[name]
        # NOTE: the bound as the schema states it (the shortest decimal of the double).
        if least is not None and exact < Decimal(repr(least)):
            errors.append(FieldError(name, f"must be at least {least!r}"))
        if most is not None and exact > Decimal(repr(most)):
            errors.append(FieldError(name, f"must be at most {most!r}"))
    return errors
