"""The pure model: digests, and the invariants the model keeps whatever the edge checked."""

from collections.abc import Callable

import pytest

from domain.model.coupons import ClaimStrategy, CouponEventDraft
from domain.model.identity import UserId
from domain.model.notices import NoticeDraft
from domain.model.otp import CodeDigester
from domain.model.paging import PageRequest
from domain.model.usage import UsageRecord


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


@pytest.mark.parametrize(
    "build",
    [
        lambda: PageRequest(limit=0),
        lambda: PageRequest(limit=1, offset=-1),
        lambda: NoticeDraft(title=" ", body="b"),
        lambda: CouponEventDraft(name="e", quantity=0, strategy=ClaimStrategy.ATOMIC),
        lambda: UsageRecord(source="s", seq=-1),
    ],
)
def test_the_model_keeps_its_own_invariants(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each says why in its own words
        build()
