"""RFC 9457 problem documents: the one shape of every error response, and what maps to which."""

import logging
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, Final

import falcon
import falcon.asgi
import msgspec

from adapters.http.messages.problems import FieldError, Problem, ValidationProblem
from domain.model.errors import (
    AlreadyClaimed,
    Forbidden,
    LedgerSettling,
    NotAuthenticated,
    NotFound,
    NumberTaken,
    ScoreOutOfRange,
    SoldOut,
    TooManyCodes,
    WrongCode,
)
from ports.errors import LockNotAcquired, PortError

log = logging.getLogger(__name__)

PROBLEM_JSON: Final = "application/problem+json"
BEARER_CHALLENGE: Final = {"WWW-Authenticate": "Bearer"}


class HttpProblem(falcon.HTTPError):
    """An HTTP error carrying RFC 9457 members: `detail`, and `errors` (422), `attempts_left`
    (a wrong OTP code), `checks` (readiness) or `coupon_id` (a repeated claim) where they
    apply."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[FieldError] | None = None,
        attempts_left: int | msgspec.UnsetType = msgspec.UNSET,
        checks: dict[str, str] | msgspec.UnsetType = msgspec.UNSET,
        coupon_id: int | msgspec.UnsetType = msgspec.UNSET,
    ) -> None:
        super().__init__(status, description=detail, headers=dict(headers or {}))
        self.errors = errors
        self.attempts_left = attempts_left
        self.checks = checks
        self.coupon_id = coupon_id


def problem_document(status: int, detail: str) -> Problem:
    """A plain problem document, for answers written below Falcon (the edge)."""
    return Problem(
        type="about:blank", title=HTTPStatus(status).phrase, status=status, detail=detail
    )


def _document(error: falcon.HTTPError, req: falcon.asgi.Request) -> Problem:
    """The problem document of any Falcon HTTP error, ours or the framework's (404, 405, ...)."""
    status = error.status_code
    common: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": error.description or _framework_detail(error, req),
    }
    if not isinstance(error, HttpProblem):
        return Problem(**common)
    if error.errors is not None:
        return ValidationProblem(**common, errors=error.errors)
    return Problem(
        **common,
        attempts_left=error.attempts_left,
        checks=error.checks,
        coupon_id=error.coupon_id,
    )


def serialize_problem(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, error: falcon.HTTPError
) -> None:
    """Falcon error serializer: always problem+json, whatever the client accepts."""
    resp.data = msgspec.json.encode(_document(error, req))
    resp.content_type = PROBLEM_JSON


def _framework_detail(error: falcon.HTTPError, req: falcon.asgi.Request) -> str:
    match error.status_code:
        case 404:
            return f"nothing at {req.path}"
        case 405:
            allowed = dict(error.headers or {}).get("Allow", "")
            return f"{req.method} is not allowed on {req.path}; allowed: {allowed}"
        case status:
            return HTTPStatus(status).phrase


def unavailable(
    detail: str, *, retry_after: int = 1, checks: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
) -> HttpProblem:
    """503 with `Retry-After`: the client may try again shortly."""
    return HttpProblem(503, detail, headers={"Retry-After": str(retry_after)}, checks=checks)


def problem_for(error: Exception) -> HttpProblem:
    """The response for a domain refusal or a port failure."""
    match error:
        case WrongCode(attempts_left=left):
            return HttpProblem(401, str(error), headers=BEARER_CHALLENGE, attempts_left=left)
        case NotAuthenticated():
            return HttpProblem(401, str(error), headers=BEARER_CHALLENGE)
        case Forbidden():
            return HttpProblem(403, str(error))
        case NotFound():
            return HttpProblem(404, str(error))
        case AlreadyClaimed(coupon_id=coupon_id):
            return HttpProblem(409, str(error), coupon_id=coupon_id)
        case NumberTaken():
            return HttpProblem(409, str(error))
        case SoldOut():
            return HttpProblem(410, str(error))
        case ScoreOutOfRange():
            return HttpProblem(
                422, str(error), errors=[FieldError("delta", "would overflow the score")]
            )
        case TooManyCodes(retry_after=retry_after):
            return HttpProblem(429, str(error), headers={"Retry-After": str(retry_after)})
        case LedgerSettling():
            return unavailable(str(error))
        case LockNotAcquired():
            return unavailable("too many concurrent claims on this event; try again")
        case PortError():
            return unavailable("a backend is unavailable; try again shortly")
    log.exception("unexpected error", exc_info=error)
    return HttpProblem(500, "the server failed to handle this request")


class ThrottledLog:
    """At most one line per `interval_seconds` for a recurring condition, with how many were
    left out: an outage answered 503 at hundreds of requests per second would otherwise
    bury the log in identical lines just when someone needs to read it."""

    def __init__(
        self, interval_seconds: float = 5.0, *, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval_seconds = interval_seconds
        self._now = now
        self._last: float | None = None
        self._left_out = 0

    def warning(self, message: str, *args: object) -> None:
        now = self._now()
        if self._last is not None and now - self._last < self._interval_seconds:
            self._left_out += 1
            return
        if self._left_out:
            message += " (and %d more like it since the last line)"
            args = (*args, self._left_out)
        log.warning(message, *args)
        self._last, self._left_out = now, 0


class ErrorHandler:
    """Falcon error handler for everything that is not already an HTTP error; one per app."""

    def __init__(self) -> None:
        self._backend_failures = ThrottledLog()

    async def handle(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        error: Exception,
        params: dict[str, Any],
    ) -> None:
        if isinstance(error, PortError):
            self._backend_failures.warning(
                "%s %s: %s: %s", req.method, req.path, type(error).__name__, error
            )
        raise problem_for(error)
