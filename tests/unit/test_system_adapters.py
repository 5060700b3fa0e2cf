"""The system adapters: a clock that never steps back, secrets of the right shape."""

from datetime import UTC

import pytest

from adapters.system.clock import SystemClock
from adapters.system.secrets import SystemSecrets


def test_the_clock_holds_still_when_the_system_clock_is_set_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readings = iter([1000.0, 1005.0, 990.0, 1006.0])
    monkeypatch.setattr("adapters.system.clock.time.time", lambda: next(readings))
    clock = SystemClock()

    assert [clock.timestamp(), clock.timestamp(), clock.timestamp()] == [1005.0, 1005.0, 1006.0]


def test_now_is_aware_utc_and_matches_timestamp() -> None:
    clock = SystemClock()

    now = clock.now()

    assert now.tzinfo is UTC
    assert abs(now.timestamp() - clock.timestamp()) < 1


def test_codes_are_6_digits_and_tokens_are_long_and_distinct() -> None:
    secrets = SystemSecrets()
    codes = {secrets.otp_code() for _ in range(2000)}
    tokens = {secrets.token() for _ in range(100)}

    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 1900, "codes are not random enough"
    assert any(code.startswith("0") for code in codes), "leading zeros are kept"
    assert len(tokens) == 100
    assert all(len(token) >= 43 for token in tokens)
