"""Input rules: small callables that validate one value each and say, in words, what is wrong."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeAlias, TypeVar

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]
E = TypeVar("E", bound=StrEnum)


class InvalidValue(ValueError):
    """A value breaks a rule; the message says how, for the client to act on."""


@dataclass(frozen=True, slots=True)
class Text:
    """A string of `min_length`..`max_length` characters, optionally trimmed and patterned."""

    min_length: int
    max_length: int
    trim: bool = False
    pattern: str | None = None
    pattern_hint: str = ""
    _compiled: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = re.compile(self.pattern) if self.pattern is not None else None
        object.__setattr__(self, "_compiled", compiled)

    def __call__(self, value: object) -> str:
        if not isinstance(value, str):
            raise InvalidValue("must be a string")
        text = value.strip() if self.trim else value
        if len(text) < self.min_length:
            raise InvalidValue(
                "must not be empty"
                if self.min_length == 1
                else f"must be at least {self.min_length} characters"
            )
        if len(text) > self.max_length:
            raise InvalidValue(f"must be at most {self.max_length} characters")
        if self._compiled is not None and self._compiled.fullmatch(text) is None:
            raise InvalidValue(f"must be {self.pattern_hint}")
        return text


@dataclass(frozen=True, slots=True)
class Integer:
    """A JSON integer (not a boolean, not a float) within `minimum`..`maximum`."""

    minimum: int
    maximum: int

    def __call__(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue("must be an integer")
        if not self.minimum <= value <= self.maximum:
            raise InvalidValue(f"must be between {self.minimum} and {self.maximum}")
        return value

    def parse(self, raw: str) -> int:
        """Validate a decimal string, as found in a query string or a path."""
        if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 20:
            raise InvalidValue("must be an integer")
        return self(int(raw))


@dataclass(frozen=True, slots=True)
class FiniteNumber:
    """A JSON number (not a boolean) that is finite as a float."""

    def __call__(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValue("must be a number")
        try:
            number = float(value)
        except OverflowError:
            raise InvalidValue("must be a finite number") from None
        if not math.isfinite(number):
            raise InvalidValue("must be a finite number")
        return number


@dataclass(frozen=True, slots=True)
class OneOf(Generic[E]):
    """One of the values of a string enumeration; returns the member."""

    enum: type[E]

    def __call__(self, value: object) -> E:
        for member in self.enum:
            if value == member.value:
                return member
        raise InvalidValue("must be one of: " + ", ".join(member.value for member in self.enum))


@dataclass(frozen=True, slots=True)
class AnyObject:
    """A JSON object with string keys; its content is the client's."""

    def __call__(self, value: object) -> JsonObject:
        if not isinstance(value, Mapping):
            raise InvalidValue("must be a JSON object")
        return dict(value)


_IDENTIFIER_HINT = "1-64 characters of letters, digits and "
USER_ID = Text(1, 64, pattern=r"[A-Za-z0-9_.@+-]+", pattern_hint=_IDENTIFIER_HINT + "_ . @ + -")
"""`user_id` and ranking `member`."""
NAME = Text(1, 64, pattern=r"[A-Za-z0-9_-]+", pattern_hint=_IDENTIFIER_HINT + "_ -")
"""`board`, `channel` and usage `source`."""
LIMIT = Integer(1, 100)
OFFSET = Integer(0, 100_000)
