"""The pure model: digests."""

import pytest

from domain.model.identity import UserId
from domain.model.otp import CodeDigester


def test_code_digests_depend_on_secret_user_and_code() -> None:
    one = CodeDigester(b"s" * 16)
    alice, bob = UserId("alice"), UserId("bob")

    digests = {
        one(alice, "123456"),
        one(bob, "123456"),
        one(alice, "123457"),
        CodeDigester(b"t" * 16)(alice, "123456"),
    }

    assert len(digests) == 4
    assert one(alice, "123456") == one(alice, "123456")


def test_a_short_otp_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        CodeDigester(b"short")
