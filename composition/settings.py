"""Settings from the environment, each declared once (its variable, type, default, bounds and one
line of help): the typed `Settings`, the parsing with its one-line errors, `redis-practice
settings` and the table of docs/operations.md all come from the declarations below. A bad
value stops the process at start with one line naming the variable; a secret is never echoed."""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Final

from composition.environment import (
    Declaration,
    Environment,
    Kind,
    SettingsError,
    addresses_text,
    without_password,
)
from domain.model.notices import CachePolicy
from domain.model.otp import OtpPolicy

__all__ = ["DEFAULT_DATABASE_URL", "Declaration", "Profile", "Settings", "SettingsError"]


class Profile(StrEnum):
    """Which adapters serve the ports (see DESIGN.md, "Profiles")."""

    MEMORY = "memory"
    REDIS = "redis"
    SENTINEL = "sentinel"
    CLUSTER = "cluster"

    @property
    def in_process(self) -> bool:
        """Whether every store lives inside the serving process: nothing is shared with another
        process (a second instance, a ledger worker) or kept across a restart."""
        return self is Profile.MEMORY


DEFAULT_DATABASE_URL: Final = "sqlite:///var/redis-practice.sqlite3"


def _setting(default: Any, env: str, kind: Kind, help: str, **limits: Any) -> Any:
    return field(
        default=default, metadata={"setting": Declaration(env=env, kind=kind, help=help, **limits)}
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the environment can set, declared once (see the module docstring)."""

    profile: Profile = _setting(
        Profile.MEMORY,
        "APP_PROFILE",
        Kind.CHOICE,
        (
            "`memory`: every port in this process; `redis`: every port but notices in "
            "Redis, notices in SQL; `sentinel`: the same, with Redis found through "
            "Sentinel; `cluster`: the same, on a Redis Cluster"
        ),
        choices=Profile,
    )
    redis_url: str = _setting(
        "redis://127.0.0.1:6379/0",
        "REDIS_URL",
        Kind.REDIS_URL,
        "the Redis of the `redis` profile (`redis://`, `rediss://`, `unix://`)",
    )
    redis_sentinels: tuple[tuple[str, int], ...] = _setting(
        (),
        "REDIS_SENTINELS",
        Kind.ADDRESSES,
        "the Sentinels, `host:port[,host:port...]` (`[::1]:26379` for IPv6)",
        shown="none (required by `sentinel`)",
    )
    redis_cluster_nodes: tuple[tuple[str, int], ...] = _setting(
        (),
        "REDIS_CLUSTER_NODES",
        Kind.ADDRESSES,
        (
            "nodes of the Redis Cluster to start from, `host:port[,host:port...]`; the client "
            "learns the others and the slots from them"
        ),
        shown="none (required by `cluster`)",
    )
    redis_sentinel_service: str = _setting(
        "redis-practice",
        "REDIS_SENTINEL_SERVICE",
        Kind.NAME,
        "the master name the Sentinels monitor",
    )
    redis_wait_replicas: int = _setting(
        0,
        "REDIS_WAIT_REPLICAS",
        Kind.INTEGER,
        (
            "replicas an acknowledged write (usage record, OTP issue, coupon claim, "
            "published event) waits for (`WAIT`) before the client hears 2xx; fewer "
            "within a tenth of the deadline answers 503 and counts "
            '`redis_errors_total{kind="replication"}`. `0`: the master\'s word is '
            "enough, and a failover may lose the newest writes"
        ),
        minimum=0,
        maximum=16,
    )
    database_url: str = _setting(
        DEFAULT_DATABASE_URL,
        "DATABASE_URL",
        Kind.DATABASE_URL,
        (
            "the notices and the coupon ledger archive of the `redis`, `sentinel` and "
            "`cluster` profiles: `sqlite:///<file>` (migrated on start) or "
            "`postgresql://user@host:port/db` (driver psycopg; migrated by "
            "`redis-practice db upgrade`). A bad URL stops the start with one line that "
            "never repeats it"
        ),
    )
    admin_token: str | None = _setting(
        None,
        "ADMIN_TOKEN",
        Kind.SECRET,
        "bearer token of the administrator, at least 16 characters",
        secret=True,
        shown="generated, printed once",
    )
    ingest_token: str | None = _setting(
        None,
        "INGEST_TOKEN",
        Kind.SECRET,
        (
            "bearer token of `POST /usage` (the administrator token is accepted too), at "
            "least 16 characters"
        ),
        secret=True,
        shown="generated, printed once",
    )
    otp_secret: str | None = _setting(
        None,
        "OTP_SECRET",
        Kind.SECRET,
        (
            "HMAC key of stored codes; every instance sharing a store needs the same one "
            "(a warning at start says so)"
        ),
        secret=True,
        shown="random per process",
    )
    usage_retention_seconds: int = _setting(
        604_800,
        "USAGE_RETENTION_SECONDS",
        Kind.INTEGER,
        "a usage source's data expires this long after its last record (each record renews it)",
        minimum=1,
        maximum=10 * 365 * 86_400,
    )
    cache_enabled: bool = _setting(
        True,
        "CACHE_ENABLED",
        Kind.FLAG,
        "`false` serves every page from the repository (`X-Cache: BYPASS`)",
    )
    cache_ttl_seconds: int = _setting(
        300,
        "CACHE_TTL_SECONDS",
        Kind.INTEGER,
        "life of a cached page",
        minimum=1,
    )
    near_cache: bool = _setting(
        False,
        "NEAR_CACHE",
        Kind.FLAG,
        (
            "each process also keeps cached pages, dropped when Redis says they changed "
            "(`CLIENT TRACKING`): a hit costs no round trip (redis, sentinel and cluster "
            "profiles; see docs/cache-aside.md for how stale a page may be)"
        ),
    )
    near_cache_max_bytes: int = _setting(
        32_000_000,
        "NEAR_CACHE_MAX_BYTES",
        Kind.INTEGER,
        "bytes of pages the near cache keeps per process at most (the least recently used go)",
        minimum=1,
    )
    near_cache_max_age_seconds: int = _setting(
        60,
        "NEAR_CACHE_MAX_AGE_SECONDS",
        Kind.INTEGER,
        "a page the near cache keeps is read from Redis again after this long at most",
        minimum=1,
    )
    otp_ttl_seconds: int = _setting(
        180,
        "OTP_TTL_SECONDS",
        Kind.INTEGER,
        "life of an OTP code",
        minimum=1,
    )
    otp_max_attempts: int = _setting(
        5,
        "OTP_MAX_ATTEMPTS",
        Kind.INTEGER,
        "wrong codes before a code is burned",
        minimum=1,
        maximum=100,
    )
    otp_issue_limit: int = _setting(
        3,
        "OTP_ISSUE_LIMIT",
        Kind.INTEGER,
        "codes per user per window",
        minimum=1,
    )
    otp_issue_window_seconds: int = _setting(
        600,
        "OTP_ISSUE_WINDOW_SECONDS",
        Kind.INTEGER,
        "the window of `OTP_ISSUE_LIMIT` and `OTP_CLIENT_ISSUE_LIMIT`",
        minimum=1,
    )
    otp_client_issue_limit: int = _setting(
        30,
        "OTP_CLIENT_ISSUE_LIMIT",
        Kind.INTEGER,
        (
            "codes one client address may request per window, whatever the users (against"
            " SMS pumping); `0` turns it off (load runs from one address)"
        ),
        minimum=0,
    )
    otp_expose_code: bool = _setting(
        False,
        "OTP_EXPOSE_CODE",
        Kind.FLAG,
        "return the code from `POST /otp` (demos and load tests only)",
    )
    trust_forwarded_for: bool = _setting(
        False,
        "TRUST_FORWARDED_FOR",
        Kind.FLAG,
        (
            "behind one reverse proxy: the client address is the last `X-Forwarded-For` "
            "entry (the one the proxy appended). Otherwise the header is ignored "
            "(uvicorn's own proxy-header rewriting is off). IPv6 clients count by their "
            "/64"
        ),
    )
    session_ttl_seconds: int = _setting(
        3600,
        "SESSION_TTL_SECONDS",
        Kind.INTEGER,
        "life of a session token",
        minimum=1,
    )
    request_deadline_seconds: float = _setting(
        2.0,
        "REQUEST_DEADLINE_SECONDS",
        Kind.SECONDS,
        "a request with no answer by then gets 503; Redis timeouts and retries are sized from it",
        minimum=0.05,
        maximum=60.0,
    )
    http_head_timeout_seconds: float = _setting(
        10.0,
        "HTTP_HEAD_TIMEOUT_SECONDS",
        Kind.SECONDS,
        (
            "the request line and header fields must arrive within this long of the "
            "request's first byte, or 408 and the connection closes (`redis-practice "
            "serve`)"
        ),
        minimum=0.5,
        maximum=600.0,
    )
    workers: int = _setting(
        1,
        "WEB_CONCURRENCY",
        Kind.INTEGER,
        (
            "worker processes of `redis-practice serve` (`--workers`), on one socket; more "
            "than one needs the redis, sentinel or cluster profile, and at most 4 per core"
        ),
        minimum=1,
        maximum=1024,
    )
    http_max_connections: int = _setting(
        10_000,
        "HTTP_MAX_CONNECTIONS",
        Kind.INTEGER,
        (
            "open connections per server process; past it, the one waiting the longest "
            "gives way, or the newcomer gets 503 if all are busy (`redis-practice serve`)"
        ),
        minimum=1,
        maximum=1_000_000,
    )
    sse_max_stream_seconds: float = _setting(
        0.0,
        "SSE_MAX_STREAM_SECONDS",
        Kind.SECONDS,
        (
            "an event stream ends after this long and the client reconnects (spreads "
            "streams over instances after a scale-out); `0`: never"
        ),
        minimum=0.0,
        maximum=86_400.0,
    )
    ledger_batch_size: int = _setting(
        100,
        "LEDGER_BATCH_SIZE",
        Kind.INTEGER,
        "coupons a ledger worker archives per transaction",
        minimum=1,
        maximum=10_000,
    )
    ledger_reclaim_idle_seconds: float = _setting(
        30.0,
        "LEDGER_RECLAIM_IDLE_SECONDS",
        Kind.SECONDS,
        (
            "a ledger feed entry read and not acknowledged for this long is taken over by"
            " another worker (its worker died or is stuck)"
        ),
        minimum=0.1,
        maximum=86_400.0,
    )
    ledger_worker_in_app: bool = _setting(
        True,
        "LEDGER_WORKER_IN_APP",
        Kind.FLAG,
        (
            "each app instance runs a ledger worker; `false`: only `redis-practice "
            "ledger-worker` processes archive (redis, sentinel and cluster profiles; the memory "
            "profile refuses it: only its own worker can read its ledger)"
        ),
    )
    migrate: bool | None = None
    """Migrate the schema on start: None (the default) migrates SQLite and not PostgreSQL;
    `serve --migrate` sets True; a worker process sets False (its server migrated before
    starting it). Not from the environment."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Settings":
        env = Environment(environ)
        values = {
            name: env.read(declaration, default) for name, declaration, default in _declarations()
        }
        settings = cls(**values)
        if settings.profile is Profile.SENTINEL and not settings.redis_sentinels:
            raise SettingsError(
                "REDIS_SENTINELS is required by the sentinel profile: host:port[,host:port...]"
            )
        if settings.profile is Profile.CLUSTER and not settings.redis_cluster_nodes:
            raise SettingsError(
                "REDIS_CLUSTER_NODES is required by the cluster profile: host:port[,host:port...]"
            )
        if settings.profile.in_process and not settings.ledger_worker_in_app:
            raise SettingsError(
                "LEDGER_WORKER_IN_APP=false needs the redis, sentinel or cluster profile: on the "
                "memory profile the ledger lives in the app, and only its own worker can archive it"
            )
        if settings.profile.in_process and settings.workers > 1:
            raise SettingsError(
                f"WEB_CONCURRENCY={settings.workers} (--workers) needs the redis, sentinel or "
                "cluster profile: the memory profile keeps its state in one process, so each "
                "worker would serve its own; run one worker, or APP_PROFILE=redis"
            )
        return settings

    def cache_policy(self) -> CachePolicy:
        """Pages live `cache_ttl_seconds` (up to 10% less); a fill holds its lease for a
        request's deadline, and readers wait for another instance's fill 40% of it."""
        deadline = self.request_deadline_seconds
        return CachePolicy(
            ttl_seconds=self.cache_ttl_seconds,
            lease_seconds=deadline,
            wait_seconds=deadline * 0.4,
        )

    def otp_policy(self) -> OtpPolicy:
        return OtpPolicy(
            ttl_seconds=self.otp_ttl_seconds,
            max_attempts=self.otp_max_attempts,
            issue_limit=self.otp_issue_limit,
            issue_window_seconds=self.otp_issue_window_seconds,
            client_issue_limit=self.otp_client_issue_limit,
        )

    def effective(self) -> list[tuple[Declaration, str]]:
        """Each setting with its value as the environment would write it, secrets masked."""
        return [
            (declaration, _shown(declaration, getattr(self, name)))
            for name, declaration in declared()
        ]


def declared() -> list[tuple[str, Declaration]]:
    """(field name, declaration) of every setting, in declaration order."""
    return [(name, declaration) for name, declaration, _ in _declarations()]


def defaults() -> list[tuple[Declaration, str]]:
    """Each setting with its default as docs/operations.md's table shows it."""
    return [
        (declaration, declaration.shown or _shown(declaration, default))
        for _, declaration, default in _declarations()
    ]


def _declarations() -> list[tuple[str, Declaration, Any]]:
    return [
        (item.name, item.metadata["setting"], item.default)
        for item in fields(Settings)
        if "setting" in item.metadata
    ]


def _shown(declaration: Declaration, value: Any) -> str:
    if declaration.secret:
        return "(not set)" if value is None else "(set)"
    if declaration.kind in (Kind.REDIS_URL, Kind.DATABASE_URL):
        return without_password(value)
    match value:
        case bool():
            return "true" if value else "false"
        case StrEnum():
            return value.value
        case float() if value.is_integer():
            return str(int(value))
        case tuple():
            return addresses_text(value)
    return str(value)
