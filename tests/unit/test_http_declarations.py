"""The edge's declarations: each rule of API.md, accepted and refused as the document says.

A value is checked twice here: by the server's decoder, and by the OpenAPI document's JSON
Schema with ECMAScript regexes (what clients and Schemathesis use). The two must agree.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema_rs
import msgspec
import pytest

from adapters.http.decoding import decode_body, decode_query
from adapters.http.messages.coupons import EventName
from adapters.http.messages.events import EventType
from adapters.http.messages.fields import (
    Finite,
    Limit,
    Name,
    Paging,
    UserId,
    parse_id,
    rfc3339,
    trim,
)
from adapters.http.messages.notices import Title
from adapters.http.messages.otp import Code
from adapters.http.messages.usage import Seq
from adapters.http.problems import HttpProblem


def server_accepts(declared: Any, value: object) -> bool:
    """Whether the server's body decoder takes `{"v": value}` for a field declared so."""
    probe = msgspec.defstruct("Probe", [("v", declared)], forbid_unknown_fields=True)
    try:
        decode_body(msgspec.json.encode({"v": value}), probe)
    except HttpProblem as refusal:
        if refusal.status_code != 422:
            raise
        return False
    return True


def schema_accepts(declared: Any, value: object) -> bool:
    # NOTE: jsonschema_rs uses ECMAScript regex semantics, as Schemathesis and most clients do.
    return bool(jsonschema_rs.validator_for(msgspec.json.schema(declared)).is_valid(value))


ACCEPTED = [
    (UserId, "a.b@c+d-e_f"),
    (UserId, "x" * 64),
    (Name, "weekly-board_2"),
    (Title, "  padded  "),
    (Title, "\u00a0x"),
    (Code, "012345"),
    (Finite, 3),
    (Finite, -1.5e300),
    (Finite, 2**70),
    (Seq, 0),
    (Seq, 2**63 - 1),
    (Seq, 427.0),  # JSON has one number type: JSON Schema and the server read this as 427
    (EventType, "notice.created"),
    (EventName, "launch"),
    (Limit, 100),
]
REFUSED = [
    (UserId, ""),
    (UserId, "x" * 65),
    (UserId, "has space"),
    (UserId, "alice\n"),
    (UserId, 7),
    (Name, "dot.ted"),
    (Name, "board\n"),
    (Title, "   "),
    (Title, "\u3000\ufeff\u2028"),
    (Title, "x" * 201),
    (Code, "12345"),
    (Code, "12345a"),
    (Code, "123456\n"),
    (Code, "１２３４５６"),  # noqa: RUF001 - fullwidth digits on purpose
    (Finite, True),
    (Finite, "1"),
    (Seq, -1),
    (Seq, 2**63),
    (Seq, 1.5),
    (Seq, False),
    (EventType, "a\nevent: forged"),
    (EventType, "type\n"),
    (EventType, ""),
    (Limit, 0),
    (Limit, 101),
]


@pytest.mark.parametrize(("declared", "value"), ACCEPTED)
def test_the_server_and_the_document_accept(declared: Any, value: object) -> None:
    assert server_accepts(declared, value)
    assert schema_accepts(declared, value)


@pytest.mark.parametrize(("declared", "value"), REFUSED)
def test_the_server_and_the_document_refuse(declared: Any, value: object) -> None:
    assert not server_accepts(declared, value)
    assert not schema_accepts(declared, value)


def test_trimming_removes_what_the_blank_pattern_calls_blank() -> None:
    assert trim("\u3000\ufeff title \u2028\t") == "title"
    assert trim("\x1c") == "\x1c"  # not whitespace to ECMAScript, so neither to the server


@pytest.mark.parametrize("raw", ["", "-", "1.0", "1e2", "\u0661", " 1", "+1", "1_0", "9" * 21])
def test_query_integers_are_plain_decimal_digits(raw: str) -> None:
    with pytest.raises(HttpProblem) as refused:
        decode_query({"limit": raw}, Paging)

    assert refused.value.errors is not None
    assert [error.field for error in refused.value.errors] == ["limit"]


def test_query_parameters_given_twice_are_refused_and_unknown_ones_ignored() -> None:
    with pytest.raises(HttpProblem) as refused:
        decode_query({"limit": ["1", "2"], "utm_source": "x"}, Paging)

    assert refused.value.errors is not None
    assert [(e.field, e.message) for e in refused.value.errors] == [("limit", "must be given once")]
    assert decode_query({"utm_source": "x", "offset": "5"}, Paging) == Paging(20, 5)


def test_rfc3339_is_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 25, 19, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))

    assert rfc3339(moment) == "2026-11-25T18:00:00.123Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rfc3339(datetime.now(UTC)))


def test_an_escaped_backslash_before_u_is_text_not_a_surrogate() -> None:
    probe = msgspec.defstruct("Probe", [("v", str)], forbid_unknown_fields=True)

    assert decode_body(b'{"v": "\\\\ud800 \\ud83d\\ude00"}', probe) == probe("\\ud800 \U0001f600")


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" * 5_000])
@pytest.mark.parametrize(("template", "field"), [('{"v": %s}', "v"), ('{"v": 1, "w": [%s]}', "w")])
def test_a_number_beyond_a_double_or_any_integer_is_422_naming_its_field(
    number: str, template: str, field: str
) -> None:
    probe = msgspec.defstruct("Probe", [("v", Finite), ("w", Any, None)])

    with pytest.raises(HttpProblem) as refused:
        decode_body((template % number).encode(), probe)

    assert refused.value.errors is not None
    assert [(e.field, e.message) for e in refused.value.errors] == [(field, "is out of range")]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1", 1),
        (str(2**63 - 1), 2**63 - 1),
        ("0", None),
        (str(2**63), None),
        ("9" * 400, None),
        ("+1", None),
        ("1_0", None),
        ("\u0661", None),
        (" 1", None),
        ("", None),
    ],
)
def test_an_id_is_a_positive_64_bit_integer_in_ascii_digits(text: str, parsed: int | None) -> None:
    assert parse_id(text) == parsed
