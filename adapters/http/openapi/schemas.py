"""The component schemas of the OpenAPI document."""

from adapters.http.openapi.parts import ID, NAME, TIMESTAMP, USER_ID, Json, object_, ref


def schemas() -> Json:
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
                ref("Problem"),
                {
                    "type": "object",
                    "properties": {
                        "errors": {
                            "type": "array",
                            "items": object_(
                                {"field": {"type": "string"}, "message": {"type": "string"}}
                            ),
                        }
                    },
                    "required": ["errors"],
                },
            ]
        },
        "Notice": object_(
            {
                "id": ID,
                "title": {"type": "string"},
                "body": {"type": "string"},
                "created_at": TIMESTAMP,
            }
        ),
        "NoticeDraft": object_(
            {
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "body": {"type": "string", "minLength": 1, "maxLength": 10000},
            }
        ),
        "NoticePage": object_(
            {
                "items": {"type": "array", "items": ref("Notice")},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
                "total": {"type": "integer"},
            }
        ),
        "OtpRequest": object_({"user_id": USER_ID}),
        "OtpIssued": object_(
            {
                "user_id": USER_ID,
                "expires_in": {"type": "integer"},
                "code": {"type": "string", "pattern": "^[0-9]{6}$"},
            },
            required=["user_id", "expires_in"],
        ),
        "OtpVerification": object_(
            {"user_id": USER_ID, "code": {"type": "string", "pattern": "^[0-9]{6}$"}}
        ),
        "Session": object_(
            {
                "verified": {"const": True},
                "token": {"type": "string"},
                "token_type": {"const": "Bearer"},
                "expires_in": {"type": "integer"},
            }
        ),
        "SearchTerm": object_({"term": {"type": "string", "minLength": 1, "maxLength": 100}}),
        "SearchTerms": object_(
            {"terms": {"type": "array", "items": {"type": "string"}, "maxItems": 5}}
        ),
        "ScoreDelta": object_({"member": USER_ID, "delta": finite}),
        "Score": object_({"score": finite}),
        "Standing": object_(
            {"member": USER_ID, "score": finite, "rank": {"type": "integer", "minimum": 1}}
        ),
        "Leaderboard": object_(
            {
                "board": NAME,
                "total": {"type": "integer"},
                "entries": {
                    "type": "array",
                    "items": object_(
                        {
                            "rank": {"type": "integer", "minimum": 1},
                            "member": USER_ID,
                            "score": finite,
                        }
                    ),
                },
            }
        ),
        "CouponEventDraft": object_(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 1000000},
                "strategy": {"enum": ["atomic", "lock", "naive"], "default": "atomic"},
            },
            required=["name", "quantity"],
        ),
        "CouponEvent": object_(
            {
                "id": ID,
                "name": {"type": "string"},
                "quantity": {"type": "integer"},
                "strategy": {"enum": ["atomic", "lock", "naive"]},
                "issued": {"type": "integer"},
                "remaining": {"type": "integer"},
            }
        ),
        "Coupon": object_(
            {"coupon_id": {"type": "integer", "minimum": 1}, "event_id": ID, "user_id": USER_ID}
        ),
        "Claims": object_(
            {
                "total": {"type": "integer"},
                "items": {
                    "type": "array",
                    "items": object_({"user_id": USER_ID, "coupon_id": {"type": "integer"}}),
                },
            }
        ),
        "BusMessage": object_(
            {
                "type": {"type": "string", "minLength": 1, "maxLength": 64},
                "payload": {"type": "object"},
            }
        ),
        "Published": object_({"channel": NAME, "type": {"type": "string"}}),
        "UsageRecord": object_(
            {
                "source": NAME,
                "seq": {"type": "integer", "minimum": 0},
                "payload": {"type": "object"},
            },
            required=["source", "seq"],
        ),
        "UsageAccepted": object_({"source": NAME, "seq": {"type": "integer"}}),
        "UsageStats": object_(
            {"source": NAME, "count": {"type": "integer"}, "distinct_seq": {"type": "integer"}}
        ),
        "Health": object_({"status": {"const": "ok"}}),
        "Readiness": object_(
            {
                "status": {"const": "ready"},
                "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            }
        ),
    }
