"""The throttle on repeated backend-failure log lines."""

import logging

import pytest

from adapters.http.problems import ThrottledLog


def test_one_line_per_interval_with_the_count_of_lines_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    moments = iter([0.0, 1.0, 2.0, 5.5, 6.0])
    throttled = ThrottledLog(5.0, now=lambda: next(moments))

    with caplog.at_level(logging.WARNING):
        for n in range(5):
            throttled.warning("redis down (%d)", n)

    assert [record.getMessage() for record in caplog.records] == [
        "redis down (0)",
        "redis down (3) (and 2 more like it since the last line)",
    ]
