"""Settings: defaults, every variable, and one clear line for a bad value."""

from pathlib import Path

import pytest

from composition.cli import effective, settings_table
from composition.root import assemble
from composition.settings import Profile, Settings, SettingsError, declared
from domain.model.otp import OtpPolicy


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_environ({})

    assert settings == Settings()
    assert settings.profile is Profile.MEMORY
    assert settings.otp_policy() == OtpPolicy(
        ttl_seconds=180,
        max_attempts=5,
        issue_limit=3,
        issue_window_seconds=600,
        client_issue_limit=30,
    )
    assert settings.trust_forwarded_for is False
    assert (settings.cache_ttl_seconds, settings.session_ttl_seconds) == (300, 3600)
    assert settings.request_deadline_seconds == 2.0


EVERY_VARIABLE = {
    "APP_PROFILE": ("redis", Profile.REDIS),
    "REDIS_URL": ("redis://:pw@10.0.0.5:6380/2", "redis://:pw@10.0.0.5:6380/2"),
    "REDIS_SENTINELS": (
        "10.0.0.7:26379, sentinel-b:26380,[::1]:26381",
        (("10.0.0.7", 26379), ("sentinel-b", 26380), ("::1", 26381)),
    ),
    "REDIS_CLUSTER_NODES": (
        "10.0.0.8:7000,10.0.0.9:7001",
        (("10.0.0.8", 7000), ("10.0.0.9", 7001)),
    ),
    "REDIS_SENTINEL_SERVICE": ("orders.main", "orders.main"),
    "REDIS_WAIT_REPLICAS": ("1", 1),
    "DATABASE_URL": (
        "postgresql://app:pw@10.0.0.6/notices",
        "postgresql://app:pw@10.0.0.6/notices",
    ),
    "ADMIN_TOKEN": ("a" * 20, "a" * 20),
    "INGEST_TOKEN": ("i" * 20, "i" * 20),
    "OTP_SECRET": ("s" * 16, "s" * 16),
    "USAGE_RETENTION_SECONDS": ("60", 60),
    "CACHE_ENABLED": ("false", False),
    "CACHE_TTL_SECONDS": ("5", 5),
    "NEAR_CACHE": ("true", True),
    "NEAR_CACHE_MAX_BYTES": ("1000", 1000),
    "NEAR_CACHE_MAX_AGE_SECONDS": ("7", 7),
    "OTP_TTL_SECONDS": ("60", 60),
    "OTP_MAX_ATTEMPTS": ("2", 2),
    "OTP_ISSUE_LIMIT": ("9", 9),
    "OTP_ISSUE_WINDOW_SECONDS": ("30", 30),
    "OTP_CLIENT_ISSUE_LIMIT": ("0", 0),
    "OTP_EXPOSE_CODE": ("yes", True),
    "TRUST_FORWARDED_FOR": ("true", True),
    "SESSION_TTL_SECONDS": ("10", 10),
    "REQUEST_DEADLINE_SECONDS": ("0.5", 0.5),
    "HTTP_HEAD_TIMEOUT_SECONDS": ("3", 3.0),
    "WEB_CONCURRENCY": ("3", 3),
    "HTTP_MAX_CONNECTIONS": ("500", 500),
    "SSE_MAX_STREAM_SECONDS": ("300", 300.0),
    "LEDGER_BATCH_SIZE": ("7", 7),
    "LEDGER_RECLAIM_IDLE_SECONDS": ("2.5", 2.5),
    "LEDGER_WORKER_IN_APP": ("false", False),
}


def test_every_declared_variable_is_read() -> None:
    """A value other than the default for every setting declared: each is read into its field
    (a setting added without a line here fails the first assertion)."""
    fields = dict(declared())

    settings = Settings.from_environ({name: raw for name, (raw, _) in EVERY_VARIABLE.items()})

    assert sorted(EVERY_VARIABLE) == sorted(declaration.env for declaration in fields.values())
    for field, declaration in fields.items():
        assert getattr(settings, field) == EVERY_VARIABLE[declaration.env][1], declaration.env
    assert settings != Settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "APP_PROFILE",
            "mongo",
            "APP_PROFILE must be one of: memory, redis, sentinel, cluster; got",
        ),
        ("APP_PROFILE", "sentinel", "REDIS_SENTINELS is required by the sentinel profile"),
        ("REDIS_SENTINELS", "10.0.0.7", "REDIS_SENTINELS must be host:port[,host:port...]"),
        ("REDIS_SENTINELS", "a:1,:2", "REDIS_SENTINELS must be host:port[,host:port...], got ':2'"),
        ("REDIS_SENTINELS", "a:70000", "REDIS_SENTINELS must be host:port[,host:port...]"),
        ("REDIS_SENTINEL_SERVICE", "a b", "REDIS_SENTINEL_SERVICE must be 1-64 letters"),
        ("REDIS_WAIT_REPLICAS", "-1", "REDIS_WAIT_REPLICAS must be between 0 and 16"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL starting with one of: redis://"),
        ("REDIS_URL", "http://x", "REDIS_URL must be a URL starting with one of: redis://"),
        ("CACHE_TTL_SECONDS", "five", "CACHE_TTL_SECONDS must be an integer, got 'five'"),
        ("CACHE_TTL_SECONDS", "0", "CACHE_TTL_SECONDS must be between 1 and 1000000000, got 0"),
        ("OTP_MAX_ATTEMPTS", "1000", "OTP_MAX_ATTEMPTS must be between 1 and 100, got 1000"),
        ("CACHE_ENABLED", "maybe", "CACHE_ENABLED must be true or false, got 'maybe'"),
        ("REQUEST_DEADLINE_SECONDS", "nan", "REQUEST_DEADLINE_SECONDS must be between"),
        ("REQUEST_DEADLINE_SECONDS", "soon", "REQUEST_DEADLINE_SECONDS must be a number"),
        ("ADMIN_TOKEN", "short-secret", "ADMIN_TOKEN must be at least 16 characters long"),
        ("OTP_CLIENT_ISSUE_LIMIT", "-1", "OTP_CLIENT_ISSUE_LIMIT must be between 0 and"),
        ("DATABASE_URL", "mysql://db/x", "DATABASE_URL must start with sqlite:// or postgresql://"),
        ("DATABASE_URL", "sqlite://", "DATABASE_URL must name a SQLite file"),
        ("DATABASE_URL", "sqlite:///:memory:", "DATABASE_URL must name a SQLite file"),
        ("DATABASE_URL", "postgresql://h", "DATABASE_URL must name the PostgreSQL database"),
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a database URL"),
        ("TRUST_FORWARDED_FOR", "proxy", "TRUST_FORWARDED_FOR must be true or false"),
        ("LEDGER_WORKER_IN_APP", "sometimes", "LEDGER_WORKER_IN_APP must be true or false"),
        ("LEDGER_WORKER_IN_APP", "false", "LEDGER_WORKER_IN_APP=false needs the redis, sentinel"),
        ("LEDGER_BATCH_SIZE", "0", "LEDGER_BATCH_SIZE must be between 1 and 10000, got 0"),
        ("APP_PROFILE", "cluster", "REDIS_CLUSTER_NODES is required by the cluster profile"),
        ("REDIS_CLUSTER_NODES", "a:1,:2", "REDIS_CLUSTER_NODES must be host:port"),
        ("WEB_CONCURRENCY", "abc", "WEB_CONCURRENCY must be an integer, got 'abc'"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY must be between 1 and 1024, got 0"),
        ("WEB_CONCURRENCY", "-2", "WEB_CONCURRENCY must be between 1 and 1024, got -2"),
        ("WEB_CONCURRENCY", "2", "WEB_CONCURRENCY=2 (--workers) needs the redis, sentinel or"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_environ({name: value})

    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OTP_SECRET", "hunter2"),
        ("REDIS_URL", "tcp://:hunter2@host"),
        ("DATABASE_URL", "mysql://app:hunter2@host/db"),
        ("DATABASE_URL", "postgresql://app:hunter2@host"),
    ],
)
def test_a_bad_secret_is_not_echoed(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_environ({name: value})

    assert "hunter2" not in str(error.value)


def test_an_empty_variable_counts_as_unset() -> None:
    assert Settings.from_environ({"CACHE_TTL_SECONDS": " ", "ADMIN_TOKEN": ""}) == Settings()


@pytest.mark.parametrize(("in_app", "workers"), [("true", 1), ("false", 0)])
def test_the_app_runs_a_ledger_worker_unless_told_not_to(in_app: str, workers: int) -> None:
    settings = Settings.from_environ({"APP_PROFILE": "redis", "LEDGER_WORKER_IN_APP": in_app})

    backends = assemble(settings).backends()  # no I/O: nothing to close

    assert len(backends.background) == workers


def test_the_operations_page_holds_the_table_the_declarations_make() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs/operations.md").read_text()
    start = page.index("| variable | default | meaning |")
    end = page.index("<!-- /settings -->", start)

    assert page[start:end].strip() == settings_table(), (
        "docs/operations.md's settings table differs from the declarations: "
        "paste `redis-practice settings --markdown` over it"
    )


def test_the_effective_settings_mask_secrets_and_passwords() -> None:
    settings = Settings.from_environ(
        {
            "APP_PROFILE": "redis",
            "ADMIN_TOKEN": "hunter2-hunter2-hunter2",
            "REDIS_URL": "redis://:hunter2@10.0.0.5:6380/2",
            "DATABASE_URL": "postgresql://app:hunter2@10.0.0.6/notices",
            "REDIS_SENTINELS": "a:1,[::1]:2",
        }
    )

    printed = effective(settings).splitlines()

    assert "hunter2" not in "\n".join(printed)
    assert "ADMIN_TOKEN=(set)" in printed
    assert "INGEST_TOKEN=(not set)" in printed
    assert "REDIS_URL=redis://:***@10.0.0.5:6380/2" in printed
    assert "DATABASE_URL=postgresql://app:***@10.0.0.6/notices" in printed
    assert "REDIS_SENTINELS=a:1,[::1]:2" in printed
    assert [line.split("=", 1)[0] for line in printed] == [d.env for _, d in declared()]
