"""What every request must pass before routing, judged from its header block alone: the header
limits and the body policy."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import msgspec

from adapters.http.problems import problem_document

MAX_HEADER_FIELDS: Final = 100
MAX_HEADER_BYTES: Final = 16 * 1024
MAX_BODY_BYTES: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request refused before routing: its status and why."""

    status: int
    detail: str

    def body(self) -> bytes:
        return msgspec.json.encode(problem_document(self.status, self.detail))


_BODY_HEADERS: Final = frozenset({b"content-length", b"transfer-encoding", b"content-type"})


def refusal_of(
    headers: Sequence[tuple[bytes, bytes]], max_body_bytes: int = MAX_BODY_BYTES
) -> Refusal | None:
    """Why a request is refused before any routing, from its header block alone, or None:

    - 431: more than `MAX_HEADER_FIELDS` fields or `MAX_HEADER_BYTES` of them. Counted before
      anything else looks at the headers (Falcon joins repeated headers by concatenation,
      which a flood of them turns quadratic);
    - 413: a declared length over `max_body_bytes` (a body without one is read only that far);
    - 415: a body that is not JSON (`application/json` or `application/*+json`).
    """
    if len(headers) > MAX_HEADER_FIELDS:
        return Refusal(431, f"the request has more than {MAX_HEADER_FIELDS} header fields")
    size = 0
    body: dict[bytes, bytes] | None = None
    for name, value in headers:
        size += len(name) + len(value)
        if name in _BODY_HEADERS:
            if body is None:
                body = {}
            body[name] = value
    if size > MAX_HEADER_BYTES:
        return Refusal(
            431, f"the request has header fields longer than {MAX_HEADER_BYTES} bytes in all"
        )
    if body is None:  # the common case: no body announced
        return None
    declared = body.get(b"content-length", b"")
    length = int(declared) if declared.isdigit() else 0
    if length > max_body_bytes:
        return Refusal(413, f"the body must be at most {max_body_bytes} bytes")
    if (length or b"transfer-encoding" in body) and not is_json(body.get(b"content-type", b"")):
        return Refusal(415, "the body must be JSON (Content-Type: application/json)")
    return None


def is_json(content_type: bytes) -> bool:
    media_type = content_type.partition(b";")[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )
