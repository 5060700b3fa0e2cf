"""The Redis client's timeouts leave every request time to answer within its deadline."""

import pytest

from adapters.redis.client import Timing


@pytest.mark.parametrize("deadline", [0.2, 2.0, 10.0])
def test_a_dead_server_is_given_up_on_within_the_deadline(deadline: float) -> None:
    timing = Timing.within(deadline)

    attempts = timing.retries + 1
    per_attempt = max(timing.connect_timeout, timing.socket_timeout)
    giving_up = attempts * per_attempt + timing.retries * timing.backoff_cap

    assert giving_up < deadline, "a cache outage must leave time to fall back to the repository"
    assert timing.pool_timeout < deadline, (
        "a request waits for a connection, never past its deadline"
    )
    assert timing.retries >= 1, "one broken connection must not fail a request"
