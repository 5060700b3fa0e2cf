"""The OpenAPI 3.1 document of API.md, served at `/openapi.json` (a test keeps it and the routes
in agreement)."""

from typing import Any

Json = dict[str, Any]

USER_ID = {"type": "string", "pattern": "^[A-Za-z0-9_.@+-]{1,64}$"}
NAME = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
TIMESTAMP = {"type": "string", "format": "date-time", "examples": ["2026-11-25T18:00:00.123Z"]}
ID = {"type": "integer", "minimum": 1}

_PHRASES = {
    400: "Malformed JSON, or no body where one is required",
    401: "Missing or invalid bearer token",
    403: "A user token on an administrator endpoint",
    404: "Not found",
    409: "Already claimed by this user",
    410: "Sold out",
    413: "Body larger than 64 KiB",
    415: "Body that is not JSON",
    422: "Well-formed JSON that breaks a rule",
    429: "Too many codes issued; see Retry-After",
    503: "A backend is unavailable or the deadline passed; see Retry-After",
}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: Json, *, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _json(schema: Json) -> Json:
    return {"content": {"application/json": {"schema": schema}}}


def _problem(status: int) -> Json:
    schema = "ValidationProblem" if status == 422 else "Problem"
    return {
        "description": _PHRASES[status],
        "content": {"application/problem+json": {"schema": _ref(schema)}},
    }


def _operation(
    summary: str,
    responses: dict[int, Json],
    *,
    errors: tuple[int, ...] = (),
    body: Json | None = None,
    params: list[Json] | None = None,
    auth: str | None = None,
) -> Json:
    statuses = set(errors) | {503}
    if body is not None:
        statuses |= {400, 413, 415, 422}
    if params:
        statuses.add(422)
    if auth is not None:
        statuses.add(401)
    if auth == "admin":
        statuses.add(403)
    operation: Json = {
        "summary": summary,
        "responses": {
            **{str(status): response for status, response in responses.items()},
            **{str(status): _problem(status) for status in sorted(statuses)},
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    if params:
        operation["parameters"] = params
    if auth is not None:
        operation["security"] = [{auth: []}]
    return operation


def _ok(description: str, schema: Json, headers: Json | None = None) -> Json:
    response = {"description": description, **_json(schema)}
    if headers:
        response["headers"] = headers
    return response


def _path(name: str, schema: Json) -> Json:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: Json, *, required: bool = False) -> Json:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _paging(default_limit: int) -> list[Json]:
    return [
        _query(
            "limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": default_limit}
        ),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}),
    ]


LOCATION = {"Location": {"schema": {"type": "string"}, "description": "The new resource"}}
X_CACHE = {"X-Cache": {"schema": {"enum": ["HIT", "MISS", "BYPASS"]}}}


def _schemas() -> Json:
    finite = {"type": "number"}
    return {
        "Problem": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "attempts_left": {"type": "integer", "minimum": 0},
                "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["type", "title", "status", "detail"],
        },
        "ValidationProblem": {
            "allOf": [
                _ref("Problem"),
                {
                    "type": "object",
                    "properties": {
                        "errors": {
                            "type": "array",
                            "items": _object(
                                {"field": {"type": "string"}, "message": {"type": "string"}}
                            ),
                        }
                    },
                    "required": ["errors"],
                },
            ]
        },
        "Notice": _object(
            {
                "id": ID,
                "title": {"type": "string"},
                "body": {"type": "string"},
                "created_at": TIMESTAMP,
            }
        ),
        "NoticeDraft": _object(
            {
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "body": {"type": "string", "minLength": 1, "maxLength": 10000},
            }
        ),
        "NoticePage": _object(
            {
                "items": {"type": "array", "items": _ref("Notice")},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
                "total": {"type": "integer"},
            }
        ),
        "OtpRequest": _object({"user_id": USER_ID}),
        "OtpIssued": _object(
            {
                "user_id": USER_ID,
                "expires_in": {"type": "integer"},
                "code": {"type": "string", "pattern": "^[0-9]{6}$"},
            },
            required=["user_id", "expires_in"],
        ),
        "OtpVerification": _object(
            {"user_id": USER_ID, "code": {"type": "string", "pattern": "^[0-9]{6}$"}}
        ),
        "Session": _object(
            {
                "verified": {"const": True},
                "token": {"type": "string"},
                "token_type": {"const": "Bearer"},
                "expires_in": {"type": "integer"},
            }
        ),
        "SearchTerm": _object({"term": {"type": "string", "minLength": 1, "maxLength": 100}}),
        "SearchTerms": _object(
            {"terms": {"type": "array", "items": {"type": "string"}, "maxItems": 5}}
        ),
        "ScoreDelta": _object({"member": USER_ID, "delta": finite}),
        "Score": _object({"score": finite}),
        "Standing": _object(
            {"member": USER_ID, "score": finite, "rank": {"type": "integer", "minimum": 1}}
        ),
        "Leaderboard": _object(
            {
                "board": NAME,
                "total": {"type": "integer"},
                "entries": {
                    "type": "array",
                    "items": _object(
                        {
                            "rank": {"type": "integer", "minimum": 1},
                            "member": USER_ID,
                            "score": finite,
                        }
                    ),
                },
            }
        ),
        "CouponEventDraft": _object(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 1000000},
                "strategy": {"enum": ["atomic", "lock", "naive"], "default": "atomic"},
            },
            required=["name", "quantity"],
        ),
        "CouponEvent": _object(
            {
                "id": ID,
                "name": {"type": "string"},
                "quantity": {"type": "integer"},
                "strategy": {"enum": ["atomic", "lock", "naive"]},
                "issued": {"type": "integer"},
                "remaining": {"type": "integer"},
            }
        ),
        "Coupon": _object(
            {"coupon_id": {"type": "integer", "minimum": 1}, "event_id": ID, "user_id": USER_ID}
        ),
        "Claims": _object(
            {
                "total": {"type": "integer"},
                "items": {
                    "type": "array",
                    "items": _object({"user_id": USER_ID, "coupon_id": {"type": "integer"}}),
                },
            }
        ),
        "BusMessage": _object(
            {
                "type": {"type": "string", "minLength": 1, "maxLength": 64},
                "payload": {"type": "object"},
            }
        ),
        "Published": _object({"channel": NAME, "type": {"type": "string"}}),
        "UsageRecord": _object(
            {
                "source": NAME,
                "seq": {"type": "integer", "minimum": 0},
                "payload": {"type": "object"},
            },
            required=["source", "seq"],
        ),
        "UsageAccepted": _object({"source": NAME, "seq": {"type": "integer"}}),
        "UsageStats": _object(
            {"source": NAME, "count": {"type": "integer"}, "distinct_seq": {"type": "integer"}}
        ),
        "Health": _object({"status": {"const": "ok"}}),
        "Readiness": _object(
            {
                "status": {"const": "ready"},
                "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            }
        ),
    }


def _paths() -> Json:
    board = _path("board", NAME)
    member = _path("member", USER_ID)
    event_id = _path("event_id", ID)
    return {
        "/notices": {
            "get": _operation(
                "List notices, newest first, through the cache",
                {200: _ok("A page", _ref("NoticePage"), X_CACHE)},
                params=_paging(20),
            ),
            "post": _operation(
                "Post a notice; invalidates every cached page",
                {201: _ok("Created", _ref("Notice"), LOCATION)},
                body=_ref("NoticeDraft"),
                auth="admin",
            ),
        },
        "/notices/{notice_id}": {
            "get": _operation(
                "One notice",
                {200: _ok("The notice", _ref("Notice"))},
                errors=(404,),
                params=[_path("notice_id", ID)],
            )
        },
        "/otp": {
            "post": _operation(
                "Issue a 6-digit code (replaces the previous one)",
                {201: _ok("Issued", _ref("OtpIssued"))},
                errors=(429,),
                body=_ref("OtpRequest"),
            )
        },
        "/otp/verify": {
            "post": _operation(
                "Verify a code; consumes it and opens a session",
                {200: _ok("Verified", _ref("Session"))},
                errors=(401, 404),
                body=_ref("OtpVerification"),
            )
        },
        "/sessions/current": {
            "delete": {
                **_operation("End the caller's session", {}, auth="user"),
                "responses": {
                    "204": {"description": "Ended"},
                    "401": _problem(401),
                    "503": _problem(503),
                },
            }
        },
        "/me/searches": {
            "get": _operation(
                "The caller's latest 5 terms", {200: _ok("Terms", _ref("SearchTerms"))}, auth="user"
            ),
            "post": _operation(
                "Record a search term",
                {201: _ok("Terms after recording", _ref("SearchTerms"))},
                body=_ref("SearchTerm"),
                auth="user",
            ),
        },
        "/rankings/{board}": {
            "get": _operation(
                "A leaderboard page, highest first, competition ranks",
                {200: _ok("The page", _ref("Leaderboard"))},
                params=[board, *_paging(10)],
            )
        },
        "/rankings/{board}/scores": {
            "post": _operation(
                "Add a delta to a member's score",
                {200: _ok("The new standing", _ref("Standing"))},
                body=_ref("ScoreDelta"),
                params=[board],
                auth="admin",
            )
        },
        "/rankings/{board}/members/{member}": {
            "get": _operation(
                "A member's score and rank",
                {200: _ok("The standing", _ref("Standing"))},
                errors=(404,),
                params=[board, member],
            ),
            "put": _operation(
                "Set a member's score",
                {200: _ok("The new standing", _ref("Standing"))},
                body=_ref("Score"),
                params=[board, member],
                auth="admin",
            ),
        },
        "/coupon-events": {
            "post": _operation(
                "Open a coupon event",
                {201: _ok("Created", _ref("CouponEvent"), LOCATION)},
                body=_ref("CouponEventDraft"),
                auth="admin",
            )
        },
        "/coupon-events/{event_id}": {
            "get": _operation(
                "An event with its issued count",
                {200: _ok("The event", _ref("CouponEvent"))},
                errors=(404,),
                params=[event_id],
            )
        },
        "/coupon-events/{event_id}/claims": {
            "post": _operation(
                "Claim one coupon for the caller",
                {201: _ok("Claimed", _ref("Coupon"))},
                errors=(404, 409, 410),
                params=[event_id],
                auth="user",
            ),
            "get": _operation(
                "The event's coupons in claim order",
                {200: _ok("A page", _ref("Claims"))},
                errors=(404,),
                params=[event_id, *_paging(20)],
                auth="admin",
            ),
        },
        "/events/stream": {
            "get": _operation(
                "Follow a channel as Server-Sent Events",
                {
                    200: {
                        "description": "`event: <type>` and `data: <json>` per message",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    }
                },
                params=[_query("channel", NAME, required=True)],
            ),
            "post": _operation(
                "Publish on the channel named `stream`",
                {202: _ok("Published", _ref("Published"))},
                body=_ref("BusMessage"),
                auth="admin",
            ),
        },
        "/events/{channel}": {
            "post": _operation(
                "Publish a message on a channel",
                {202: _ok("Published", _ref("Published"))},
                body=_ref("BusMessage"),
                params=[_path("channel", NAME)],
                auth="admin",
            )
        },
        "/usage": {
            "post": _operation(
                "Ingest a usage record; 202 only once the store acknowledged it",
                {202: _ok("Stored", _ref("UsageAccepted"))},
                body=_ref("UsageRecord"),
            )
        },
        "/usage/{source}": {
            "get": _operation(
                "What a source sent",
                {200: _ok("Counts", _ref("UsageStats"))},
                params=[_path("source", NAME)],
            )
        },
        "/healthz": {
            "get": {
                "summary": "Liveness, no I/O",
                "responses": {"200": _ok("Alive", _ref("Health"))},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: every backend answers",
                "responses": {"200": _ok("Ready", _ref("Readiness")), "503": _problem(503)},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "Text format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": _ok("OpenAPI 3.1", {"type": "object"})},
            }
        },
    }


def openapi_document() -> Json:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "redis-practice",
            "version": "1.0.0",
            "description": "Redis patterns done right: cache-aside, volatile state, concurrency "
            "control, Pub/Sub and high availability. Errors are RFC 9457 problem documents.",
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "user": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Session token from POST /otp/verify",
                },
                "admin": {"type": "http", "scheme": "bearer", "description": "The ADMIN_TOKEN"},
            },
        },
    }
