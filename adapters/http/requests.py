"""Reading requests: the JSON body policy (413, 415, 400) and field validation (422)."""

import json
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Final, Self, TypeVar, cast

import falcon.asgi
import orjson

from adapters.http.problems import Problem
from domain.model.rules import Integer, InvalidValue

T = TypeVar("T")

MAX_BODY_BYTES: Final = 64 * 1024


def has_body(req: falcon.asgi.Request) -> bool:
    length = req.content_length
    return (length is not None and length > 0) or req.get_header("Transfer-Encoding") is not None


def is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class BodyPolicy:
    """Falcon middleware: refuse an oversized body (413) or a non-JSON one (415) before any
    responder runs, on every route, without reading it."""

    def __init__(self, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self._max_body_bytes = max_body_bytes

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        if (req.content_length or 0) > self._max_body_bytes:
            raise Problem(413, f"the body must be at most {self._max_body_bytes} bytes")
        if has_body(req) and not is_json(req.content_type):
            raise Problem(415, "the body must be JSON (Content-Type: application/json)")


async def read_json(req: falcon.asgi.Request, max_body_bytes: int = MAX_BODY_BYTES) -> object:
    """The decoded JSON body. 400 if it is empty or malformed; 413 if it turns out longer
    than the limit (a body without Content-Length is read only that far)."""
    raw = await req.stream.read(max_body_bytes + 1)
    if len(raw) > max_body_bytes:
        raise Problem(413, f"the body must be at most {max_body_bytes} bytes")
    if not raw.strip():
        raise Problem(400, "a JSON body is required")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        # NOTE: orjson refuses numbers beyond a double (1e400). They are well-formed JSON, out
        # of range for a rule: parse them exactly, so the rules answer 422, not 400.
        try:
            return json.loads(raw, parse_constant=_refuse_constant)
        except ValueError:
            raise Problem(400, f"the body is not valid JSON: {error}") from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class Fields:
    """Validates the members of a JSON object and collects every error before answering 422.

    with Fields(body) as fields:
        title = fields.required("title", TITLE)
    # leaving the block raises 422 listing all problems, unknown members included

    Inside the block a failed field returns a placeholder; it is never used, as the block
    raises on exit.
    """

    def __init__(self, body: object, *, where: str = "body") -> None:
        self._errors: list[dict[str, str]] = []
        self._seen: set[str] = set()
        self._is_object = isinstance(body, Mapping)
        self._members: Mapping[str, object] = body if isinstance(body, Mapping) else {}
        if not self._is_object:
            self._errors.append({"field": where, "message": "must be a JSON object"})

    def required(self, name: str, rule: Callable[[object], T]) -> T:
        self._seen.add(name)
        if name not in self._members:
            if self._is_object:  # else the one error is that it is not an object
                self._errors.append({"field": name, "message": "is required"})
            return cast(T, None)
        return self._check(name, rule, self._members[name])

    def optional(self, name: str, rule: Callable[[object], T], default: T) -> T:
        self._seen.add(name)
        if name not in self._members:
            return default
        return self._check(name, rule, self._members[name])

    def error(self, name: str, message: str) -> None:
        self._errors.append({"field": name, "message": message})

    def _check(self, name: str, rule: Callable[[object], T], value: object) -> T:
        try:
            return rule(value)
        except InvalidValue as invalid:
            self._errors.append({"field": name, "message": str(invalid)})
            return cast(T, None)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            return
        for name in sorted(self._members.keys() - self._seen):
            self._errors.append({"field": name, "message": "is not a known field"})
        if self._errors:
            raise Problem(422, "the request breaks the rules below", errors=self._errors)


async def json_fields(req: falcon.asgi.Request) -> Fields:
    """`Fields` over the JSON object in the body."""
    return Fields(await read_json(req))


class QueryFields(Fields):
    """`Fields` over the query string: values are strings, given at most once; unknown
    parameters are ignored (caches and proxies add their own)."""

    def __init__(self, req: falcon.asgi.Request) -> None:
        super().__init__(req.params)
        self._seen.update(self._members)  # unknown parameters are not errors here

    def integer(self, name: str, rule: Integer, default: int) -> int:
        return self.optional(name, lambda raw: rule.parse(_single(raw)), default)

    def text(self, name: str, rule: Callable[[object], str]) -> str:
        return self.required(name, lambda raw: rule(_single(raw)))


def _single(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidValue("must be given once")
    return raw


def path_value(name: str, raw: str, rule: Callable[[object], T]) -> T:
    """A validated path segment; 422 naming the segment if it breaks its rule."""
    with Fields({name: raw}, where=name) as fields:
        return fields.required(name, rule)
