"""Fixtures every suite shares."""

import pytest

from tests.support.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
