"""The pure model: input rules, timestamps, digests."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.model.events import EVENT_TYPE
from domain.model.identity import UserId
from domain.model.notices import TITLE
from domain.model.otp import CODE, CodeDigester
from domain.model.ranking import SCORE
from domain.model.rules import LIMIT, NAME, USER_ID, AnyObject, InvalidValue
from domain.model.timestamps import rfc3339
from domain.model.usage import SEQ


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        (USER_ID, "a.b@c+d-e_f", "a.b@c+d-e_f"),
        (USER_ID, "x" * 64, "x" * 64),
        (NAME, "weekly-board_2", "weekly-board_2"),
        (TITLE, "  padded  ", "padded"),
        (CODE, "012345", "012345"),
        (SCORE, 3, 3.0),
        (SCORE, -1.5e300, -1.5e300),
        (SEQ, 0, 0),
        (EVENT_TYPE, "notice.created", "notice.created"),
        (AnyObject(), {"a": [1]}, {"a": [1]}),
    ],
)
def test_rules_accept_and_normalise(rule: object, value: object, expected: object) -> None:
    assert callable(rule)
    assert rule(value) == expected


@pytest.mark.parametrize(
    ("rule", "value", "message"),
    [
        (USER_ID, "", "must not be empty"),
        (USER_ID, "x" * 65, "must be at most 64 characters"),
        (USER_ID, "has space", "must be 1-64 characters of letters, digits and _ . @ + -"),
        (USER_ID, 7, "must be a string"),
        (NAME, "dot.ted", "must be 1-64 characters of letters, digits and _ -"),
        (TITLE, "   ", "must not be empty"),
        (CODE, "12345", "must be at least 6 characters"),
        (CODE, "12345a", "must be 6 digits"),
        (CODE, "１２３４５６", "must be 6 digits"),  # noqa: RUF001 - fullwidth digits on purpose
        (SCORE, True, "must be a number"),
        (SCORE, "1", "must be a number"),
        (SCORE, 10**400, "must be a finite number"),
        (SEQ, -1, "must be between 0 and 9223372036854775807"),
        (SEQ, 1.0, "must be an integer"),
        (SEQ, False, "must be an integer"),
        (EVENT_TYPE, "a\nevent: forged", "must be 1-64 characters without control characters"),
        (AnyObject(), [1], "must be a JSON object"),
    ],
)
def test_rules_refuse_with_a_message(rule: object, value: object, message: str) -> None:
    assert callable(rule)
    with pytest.raises(InvalidValue, match=f"^{re.escape(message)}$"):
        rule(value)


@pytest.mark.parametrize("raw", ["", "-", "1.0", "1e2", "\u0661", " 1", "99999999999999999999999"])
def test_integer_parsing_refuses_anything_but_plain_digits(raw: str) -> None:
    with pytest.raises(InvalidValue):
        LIMIT.parse(raw)


def test_rfc3339_is_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 25, 19, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))

    assert rfc3339(moment) == "2026-11-25T18:00:00.123Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"


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
