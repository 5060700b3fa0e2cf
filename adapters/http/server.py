"""The HTTP/1.1 protocol uvicorn serves the app with: httptools, plus a cap on the header block.

uvicorn's httptools parser sets no limit on a request's header fields and calls back into
Python once per field: 300,000 repeated header lines (2.4 MB) kept the event loop busy for
seconds, every other client waiting. This protocol counts fields and bytes as the parser
reports them and answers 431 at the first field past the limits (the same ones `Edge` checks
for servers that do not use this protocol), so a flood costs one chunk of parsing, not seconds.
"""

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from adapters.http.edge import MAX_HEADER_BYTES, MAX_HEADER_FIELDS, Refusal
from adapters.http.problems import PROBLEM_JSON


class _HeadTooLarge(Exception):
    """Raised from a parser callback: httptools stops parsing and reports a callback error."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` refusing more than `MAX_HEADER_FIELDS` header fields or
    `MAX_HEADER_BYTES` of them with 431, then closing the connection."""

    _head_fields: int = 0
    _head_bytes: int = 0
    _head_refusal: str | None = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_fields = 0
        self._head_bytes = 0
        self._head_refusal = None

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_fields += 1
        self._head_bytes += len(name) + len(value)
        if self._head_fields > MAX_HEADER_FIELDS:
            self._refuse(f"the request has more than {MAX_HEADER_FIELDS} header fields")
        if self._head_bytes > MAX_HEADER_BYTES:
            self._refuse(
                f"the request has header fields longer than {MAX_HEADER_BYTES} bytes in all"
            )
        super().on_header(name, value)

    def _refuse(self, reason: str) -> None:
        self._head_refusal = reason
        raise _HeadTooLarge(reason)

    def send_400_response(self, msg: str) -> None:
        # NOTE: uvicorn answers every parser error with 400 through this method, ours included.
        if self._head_refusal is None:
            super().send_400_response(msg)
            return
        body = Refusal(431, self._head_refusal).body()
        head = [
            STATUS_LINE[431],
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
