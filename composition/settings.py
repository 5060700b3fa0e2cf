"""Settings from the environment; a bad value stops the process at start with one clear line."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, TypeVar
from urllib.parse import urlsplit

from adapters.sql.database import DatabaseUrlError, database_url
from domain.model.notices import CachePolicy
from domain.model.otp import OtpPolicy


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and says what is expected."""


class Profile(StrEnum):
    """Which adapters serve the ports (see DESIGN.md, "Profiles")."""

    MEMORY = "memory"
    REDIS = "redis"
    SENTINEL = "sentinel"


E = TypeVar("E", bound=StrEnum)

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
MIN_SECRET_LENGTH: Final = 16
_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
DEFAULT_DATABASE_URL: Final = "sqlite:///var/redis-practice.sqlite3"
DEFAULT_SENTINEL_SERVICE: Final = "redis-practice"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the environment can set. Names and defaults are in DESIGN.md and README.md."""

    profile: Profile = Profile.MEMORY
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_sentinels: tuple[tuple[str, int], ...] = ()
    """Where the Sentinels listen (the `sentinel` profile requires at least one)."""
    redis_sentinel_service: str = DEFAULT_SENTINEL_SERVICE
    redis_wait_replicas: int = 0
    """Replicas an acknowledged write waits for (`WAIT`) before the client hears 2xx."""
    database_url: str = DEFAULT_DATABASE_URL
    migrate: bool = False
    """Migrate a PostgreSQL schema on start (`serve --migrate`); SQLite always is."""
    admin_token: str | None = None
    ingest_token: str | None = None
    cache_enabled: bool = True
    cache_ttl_seconds: int = 300
    otp: OtpPolicy = field(default_factory=OtpPolicy)
    otp_expose_code: bool = False
    trust_forwarded_for: bool = False
    otp_secret: bytes | None = None
    session_ttl_seconds: int = 3600
    request_deadline_seconds: float = 2.0
    http_head_timeout_seconds: float = 10.0
    """The request line and header fields must arrive within this long, or the connection is
    closed (408)."""
    http_max_connections: int = 10_000
    """Open connections per server process; past it, the connection idle the longest makes
    room, or the new one gets 503 when none is idle."""
    sse_max_stream_seconds: float = 0.0
    ledger_batch_size: int = 100
    ledger_reclaim_idle_seconds: float = 30.0
    """A feed entry pending this long without acknowledgement is taken over by another
    ledger worker (its consumer died or is stuck)."""
    usage_retention_seconds: int = 604_800
    """A usage source's data expires this long after its last record."""
    ledger_worker_in_app: bool = True
    """Whether each app instance runs a ledger worker; off, `redis-practice ledger-worker`
    processes archive instead (redis and sentinel profiles only)."""

    def cache_policy(self) -> CachePolicy:
        """Pages live `cache_ttl_seconds` (up to 10% less); a fill holds its lease for a
        request's deadline, and readers wait for another instance's fill 40% of it."""
        deadline = self.request_deadline_seconds
        return CachePolicy(
            ttl_seconds=self.cache_ttl_seconds,
            lease_seconds=deadline,
            wait_seconds=deadline * 0.4,
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Settings":
        env = _Environment(environ)
        profile = env.choice("APP_PROFILE", Profile, Profile.MEMORY)
        sentinels = env.addresses("REDIS_SENTINELS")
        if profile is Profile.SENTINEL and not sentinels:
            raise SettingsError(
                "REDIS_SENTINELS is required by the sentinel profile: host:port[,host:port...]"
            )
        worker_in_app = env.flag("LEDGER_WORKER_IN_APP", default=True)
        if profile is Profile.MEMORY and not worker_in_app:
            raise SettingsError(
                "LEDGER_WORKER_IN_APP=false needs the redis or sentinel profile: on the memory "
                "profile the ledger lives in the app, and only its own worker can archive it"
            )
        return cls(
            profile=profile,
            redis_url=env.url("REDIS_URL", "redis://127.0.0.1:6379/0", {"redis", "rediss", "unix"}),
            redis_sentinels=sentinels,
            redis_sentinel_service=env.name("REDIS_SENTINEL_SERVICE", DEFAULT_SENTINEL_SERVICE),
            redis_wait_replicas=env.integer("REDIS_WAIT_REPLICAS", 0, minimum=0, maximum=16),
            database_url=env.database_url("DATABASE_URL", DEFAULT_DATABASE_URL),
            admin_token=env.secret("ADMIN_TOKEN"),
            ingest_token=env.secret("INGEST_TOKEN"),
            cache_enabled=env.flag("CACHE_ENABLED", default=True),
            cache_ttl_seconds=env.integer("CACHE_TTL_SECONDS", 300, minimum=1),
            otp=OtpPolicy(
                ttl_seconds=env.integer("OTP_TTL_SECONDS", 180, minimum=1),
                max_attempts=env.integer("OTP_MAX_ATTEMPTS", 5, minimum=1, maximum=100),
                issue_limit=env.integer("OTP_ISSUE_LIMIT", 3, minimum=1),
                issue_window_seconds=env.integer("OTP_ISSUE_WINDOW_SECONDS", 600, minimum=1),
                client_issue_limit=env.integer("OTP_CLIENT_ISSUE_LIMIT", 30, minimum=0),
            ),
            trust_forwarded_for=env.flag("TRUST_FORWARDED_FOR", default=False),
            otp_expose_code=env.flag("OTP_EXPOSE_CODE", default=False),
            otp_secret=_encoded(env.secret("OTP_SECRET")),
            session_ttl_seconds=env.integer("SESSION_TTL_SECONDS", 3600, minimum=1),
            request_deadline_seconds=env.number(
                "REQUEST_DEADLINE_SECONDS", 2.0, minimum=0.05, maximum=60.0
            ),
            http_head_timeout_seconds=env.number(
                "HTTP_HEAD_TIMEOUT_SECONDS", 10.0, minimum=0.5, maximum=600.0
            ),
            http_max_connections=env.integer(
                "HTTP_MAX_CONNECTIONS", 10_000, minimum=1, maximum=1_000_000
            ),
            sse_max_stream_seconds=env.number(
                "SSE_MAX_STREAM_SECONDS", 0.0, minimum=0.0, maximum=86_400.0
            ),
            ledger_batch_size=env.integer("LEDGER_BATCH_SIZE", 100, minimum=1, maximum=10_000),
            ledger_reclaim_idle_seconds=env.number(
                "LEDGER_RECLAIM_IDLE_SECONDS", 30.0, minimum=0.1, maximum=86_400.0
            ),
            usage_retention_seconds=env.integer(
                "USAGE_RETENTION_SECONDS", 604_800, minimum=1, maximum=10 * 365 * 86_400
            ),
            ledger_worker_in_app=worker_in_app,
        )


def _encoded(secret: str | None) -> bytes | None:
    return secret.encode() if secret is not None else None


class _Environment:
    """Typed reads of environment variables; an empty variable counts as unset."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def _raw(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None

    def integer(self, name: str, default: int, *, minimum: int, maximum: int = 10**9) -> int:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise SettingsError(f"{name} must be between {minimum} and {maximum}, got {value}")
        return value

    def number(self, name: str, default: float, *, minimum: float, maximum: float) -> float:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
        if not minimum <= value <= maximum:  # also refuses nan
            raise SettingsError(f"{name} must be between {minimum:g} and {maximum:g}, got {raw}")
        return value

    def flag(self, name: str, *, default: bool) -> bool:
        raw = self._raw(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, enum: type[E], default: E) -> E:
        raw = self._raw(name)
        if raw is None:
            return default
        for member in enum:
            if raw == member.value:
                return member
        options = ", ".join(member.value for member in enum)
        raise SettingsError(f"{name} must be one of: {options}; got {raw!r}")

    def url(self, name: str, default: str, schemes: set[str]) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        parsed = urlsplit(raw)
        if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
            expected = ", ".join(f"{scheme}://" for scheme in sorted(schemes))
            # NOTE: the URL may hold a password: name the variable, not the value.
            raise SettingsError(f"{name} must be a URL starting with one of: {expected}")
        return raw

    def addresses(self, name: str) -> tuple[tuple[str, int], ...]:
        """`host:port[,host:port...]`; a host may be an `[IPv6]` literal."""
        raw = self._raw(name)
        if raw is None:
            return ()
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

    def name(self, name: str, default: str) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        if not _NAME.fullmatch(raw):
            raise SettingsError(
                f"{name} must be 1-64 letters, digits, '.', '_' or '-', got {raw[:70]!r}"
            )
        return raw

    def database_url(self, name: str, default: str) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            database_url(raw)
        except DatabaseUrlError as error:
            # NOTE: the message never repeats the URL: it may hold a password.
            raise SettingsError(f"{name} {error}") from None
        return raw

    def secret(self, name: str) -> str | None:
        raw = self._raw(name)
        if raw is not None and len(raw) < MIN_SECRET_LENGTH:
            # NOTE: never echo a secret, not even a bad one.
            raise SettingsError(f"{name} must be at least {MIN_SECRET_LENGTH} characters long")
        return raw
