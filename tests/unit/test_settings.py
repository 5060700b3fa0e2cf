"""Settings: defaults, every variable, and one clear line for a bad value."""

import pytest

from composition.root import assemble
from composition.settings import Profile, Settings, SettingsError
from domain.model.otp import OtpPolicy


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_environ({})

    assert settings == Settings()
    assert settings.profile is Profile.MEMORY
    assert settings.otp == OtpPolicy(
        ttl_seconds=180,
        max_attempts=5,
        issue_limit=3,
        issue_window_seconds=600,
        client_issue_limit=30,
    )
    assert settings.trust_forwarded_for is False
    assert (settings.cache_ttl_seconds, settings.session_ttl_seconds) == (300, 3600)
    assert settings.request_deadline_seconds == 2.0


def test_every_variable_is_read() -> None:
    settings = Settings.from_environ(
        {
            "APP_PROFILE": "redis",
            "REDIS_URL": "redis://:pw@10.0.0.5:6380/2",
            "DATABASE_URL": "postgresql://app:pw@10.0.0.6/notices",
            "ADMIN_TOKEN": "a" * 20,
            "CACHE_ENABLED": "false",
            "CACHE_TTL_SECONDS": "5",
            "OTP_TTL_SECONDS": "60",
            "OTP_MAX_ATTEMPTS": "2",
            "OTP_ISSUE_LIMIT": "9",
            "OTP_ISSUE_WINDOW_SECONDS": "30",
            "OTP_EXPOSE_CODE": "yes",
            "OTP_CLIENT_ISSUE_LIMIT": "0",
            "TRUST_FORWARDED_FOR": "true",
            "OTP_SECRET": "s" * 16,
            "SESSION_TTL_SECONDS": "10",
            "REQUEST_DEADLINE_SECONDS": "0.5",
            "SSE_MAX_STREAM_SECONDS": "300",
            "REDIS_SENTINELS": "10.0.0.7:26379, sentinel-b:26380,[::1]:26381",
            "REDIS_SENTINEL_SERVICE": "orders.main",
            "REDIS_WAIT_REPLICAS": "1",
            "LEDGER_BATCH_SIZE": "7",
            "LEDGER_RECLAIM_IDLE_SECONDS": "2.5",
            "LEDGER_WORKER_IN_APP": "false",
        }
    )

    assert settings == Settings(
        profile=Profile.REDIS,
        redis_url="redis://:pw@10.0.0.5:6380/2",
        redis_sentinels=(("10.0.0.7", 26379), ("sentinel-b", 26380), ("::1", 26381)),
        redis_sentinel_service="orders.main",
        redis_wait_replicas=1,
        database_url="postgresql://app:pw@10.0.0.6/notices",
        admin_token="a" * 20,
        cache_enabled=False,
        cache_ttl_seconds=5,
        otp=OtpPolicy(
            ttl_seconds=60,
            max_attempts=2,
            issue_limit=9,
            issue_window_seconds=30,
            client_issue_limit=0,
        ),
        otp_expose_code=True,
        trust_forwarded_for=True,
        otp_secret=b"s" * 16,
        session_ttl_seconds=10,
        request_deadline_seconds=0.5,
        sse_max_stream_seconds=300.0,
        ledger_batch_size=7,
        ledger_reclaim_idle_seconds=2.5,
        ledger_worker_in_app=False,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("APP_PROFILE", "mongo", "APP_PROFILE must be one of: memory, redis, sentinel; got"),
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
        ("LEDGER_WORKER_IN_APP", "false", "LEDGER_WORKER_IN_APP=false needs the redis or"),
        ("LEDGER_BATCH_SIZE", "0", "LEDGER_BATCH_SIZE must be between 1 and 10000, got 0"),
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

    backends = assemble(settings).container.backends()  # no I/O: nothing to close

    assert len(backends.background) == workers
