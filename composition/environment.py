"""Reading one setting's environment variable by its kind, with one-line errors that name the
variable and never echo a secret (or a URL, which may hold a password)."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from adapters.sql.database import DatabaseUrlError, database_url


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and says what is expected."""


class Kind(StrEnum):
    """How a variable is read."""

    INTEGER = "integer"
    SECONDS = "seconds"
    FLAG = "flag"
    CHOICE = "choice"
    REDIS_URL = "redis-url"
    DATABASE_URL = "database-url"
    ADDRESSES = "addresses"
    NAME = "name"
    SECRET = "secret"  # noqa: S105 - the kind's name, not a secret


@dataclass(frozen=True, slots=True, kw_only=True)
class Declaration:
    """One setting: the environment variable, how to read it, its bounds (or its `choices`),
    and one line of help (the table of docs/operations.md). `shown` is how the default reads
    there, when its value does not say it."""

    env: str
    kind: Kind
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: type[StrEnum] | None = None
    secret: bool = False
    shown: str | None = None


_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
MIN_SECRET_LENGTH: Final = 16
_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
_REDIS_SCHEMES: Final = ("redis", "rediss", "unix")


def is_false(raw: str) -> bool:
    """Whether a flag's text means false (the ops scripts read LEDGER_WORKER_IN_APP with it)."""
    return raw.strip().lower() in _FALSE


def without_password(url: str) -> str:
    """The URL with its password, if any, masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def addresses_text(addresses: tuple[tuple[str, int], ...]) -> str:
    return ",".join(
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}" for host, port in addresses
    )


N = TypeVar("N", int, float)


class Environment:
    """Typed reads of environment variables; an empty variable counts as unset (the default)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def read(self, declaration: Declaration, default: Any) -> Any:
        """The variable's value, or `default` when it is unset or empty."""
        name = declaration.env
        raw = self._environ.get(name, "").strip()
        if not raw:
            return default
        match declaration.kind:
            case Kind.INTEGER:
                return self._integer(name, raw, declaration)
            case Kind.SECONDS:
                return self._number(name, raw, declaration)
            case Kind.FLAG:
                return self._flag(name, raw)
            case Kind.CHOICE:
                assert declaration.choices is not None
                return self._choice(name, raw, declaration.choices)
            case Kind.REDIS_URL:
                return self._url(name, raw, _REDIS_SCHEMES)
            case Kind.DATABASE_URL:
                return self._database_url(name, raw)
            case Kind.ADDRESSES:
                return self._addresses(name, raw)
            case Kind.NAME:
                return self._name(name, raw)
            case Kind.SECRET:
                return self._secret(name, raw)

    @staticmethod
    def _integer(name: str, raw: str, declaration: Declaration) -> int:
        value = _parsed(name, raw, int, "an integer")
        minimum = int(declaration.minimum) if declaration.minimum is not None else -(10**9)
        maximum = int(declaration.maximum) if declaration.maximum is not None else 10**9
        if not minimum <= value <= maximum:
            raise _beyond(name, raw, minimum, maximum)
        return value

    @staticmethod
    def _number(name: str, raw: str, declaration: Declaration) -> float:
        value = _parsed(name, raw, float, "a number of seconds")
        minimum = declaration.minimum if declaration.minimum is not None else 0.0
        maximum = declaration.maximum if declaration.maximum is not None else float("inf")
        if not minimum <= value <= maximum:  # also refuses nan
            raise _beyond(name, raw, f"{minimum:g}", f"{maximum:g}")
        return value

    @staticmethod
    def _flag(name: str, raw: str) -> bool:
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    @staticmethod
    def _choice(name: str, raw: str, enum: type[StrEnum]) -> StrEnum:
        for member in enum:
            if raw == member.value:
                return member
        options = ", ".join(member.value for member in enum)
        raise SettingsError(f"{name} must be one of: {options}; got {raw!r}")

    @staticmethod
    def _url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
        parsed = urlsplit(raw)
        if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
            expected = ", ".join(f"{scheme}://" for scheme in sorted(schemes))
            # NOTE: the URL may hold a password: name the variable, not the value.
            raise SettingsError(f"{name} must be a URL starting with one of: {expected}")
        return raw

    @staticmethod
    def _addresses(name: str, raw: str) -> tuple[tuple[str, int], ...]:
        """`host:port[,host:port...]`; a host may be an `[IPv6]` literal."""
        addresses = []
        for item in raw.split(","):
            host, _, port = item.strip().rpartition(":")
            host = host.removeprefix("[").removesuffix("]")
            if not host or not port.isdigit() or not 0 < int(port) < 65536 or " " in host:
                raise SettingsError(
                    f"{name} must be host:port[,host:port...], got {item.strip()[:60]!r}"
                )
            addresses.append((host, int(port)))
        return tuple(addresses)

    @staticmethod
    def _name(name: str, raw: str) -> str:
        if not _NAME.fullmatch(raw):
            raise SettingsError(
                f"{name} must be 1-64 letters, digits, '.', '_' or '-', got {raw[:70]!r}"
            )
        return raw

    @staticmethod
    def _database_url(name: str, raw: str) -> str:
        try:
            database_url(raw)
        except DatabaseUrlError as error:
            # NOTE: the message never repeats the URL: it may hold a password.
            raise SettingsError(f"{name} {error}") from None
        return raw

    @staticmethod
    def _secret(name: str, raw: str) -> str:
        if len(raw) < MIN_SECRET_LENGTH:
            # NOTE: never echo a secret, not even a bad one.
            raise SettingsError(f"{name} must be at least {MIN_SECRET_LENGTH} characters long")
        return raw


def _parsed(name: str, raw: str, parse: Callable[[str], N], words: str) -> N:
    try:
        return parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {words}, got {raw!r}") from None


def _beyond(name: str, raw: str, least: object, most: object) -> SettingsError:
    return SettingsError(f"{name} must be between {least} and {most}, got {raw}")
