"""The paths of the OpenAPI document: every route of API.md."""

from adapters.http.openapi.parts import (
    ID,
    LOCATION,
    NAME,
    USER_ID,
    X_CACHE,
    Json,
    ok,
    operation,
    paging,
    path,
    problem,
    query,
    ref,
)


def paths() -> Json:
    board = path("board", NAME)
    member = path("member", USER_ID)
    event_id = path("event_id", ID)
    return {
        "/notices": {
            "get": operation(
                "List notices, newest first, through the cache",
                {200: ok("A page", ref("NoticePage"), X_CACHE)},
                params=paging(20),
            ),
            "post": operation(
                "Post a notice; invalidates every cached page",
                {201: ok("Created", ref("Notice"), LOCATION)},
                body=ref("NoticeDraft"),
                auth="admin",
            ),
        },
        "/notices/{notice_id}": {
            "get": operation(
                "One notice",
                {200: ok("The notice", ref("Notice"))},
                errors=(404,),
                params=[path("notice_id", ID)],
            )
        },
        "/otp": {
            "post": operation(
                "Issue a 6-digit code (replaces the previous one)",
                {201: ok("Issued", ref("OtpIssued"))},
                errors=(429,),
                body=ref("OtpRequest"),
            )
        },
        "/otp/verify": {
            "post": operation(
                "Verify a code; consumes it and opens a session",
                {200: ok("Verified", ref("Session"))},
                errors=(401, 404),
                body=ref("OtpVerification"),
            )
        },
        "/sessions/current": {
            "delete": {
                **operation("End the caller's session", {}, auth="user"),
                "responses": {
                    "204": {"description": "Ended"},
                    "401": problem(401),
                    "503": problem(503),
                },
            }
        },
        "/me/searches": {
            "get": operation(
                "The caller's latest 5 terms", {200: ok("Terms", ref("SearchTerms"))}, auth="user"
            ),
            "post": operation(
                "Record a search term",
                {201: ok("Terms after recording", ref("SearchTerms"))},
                body=ref("SearchTerm"),
                auth="user",
            ),
        },
        "/rankings/{board}": {
            "get": operation(
                "A leaderboard page, highest first, competition ranks",
                {200: ok("The page", ref("Leaderboard"))},
                params=[board, *paging(10)],
            )
        },
        "/rankings/{board}/scores": {
            "post": operation(
                "Add a delta to a member's score",
                {200: ok("The new standing", ref("Standing"))},
                body=ref("ScoreDelta"),
                params=[board],
                auth="admin",
            )
        },
        "/rankings/{board}/members/{member}": {
            "get": operation(
                "A member's score and rank",
                {200: ok("The standing", ref("Standing"))},
                errors=(404,),
                params=[board, member],
            ),
            "put": operation(
                "Set a member's score",
                {200: ok("The new standing", ref("Standing"))},
                body=ref("Score"),
                params=[board, member],
                auth="admin",
            ),
        },
        "/coupon-events": {
            "post": operation(
                "Open a coupon event",
                {201: ok("Created", ref("CouponEvent"), LOCATION)},
                body=ref("CouponEventDraft"),
                auth="admin",
            )
        },
        "/coupon-events/{event_id}": {
            "get": operation(
                "An event with its issued count",
                {200: ok("The event", ref("CouponEvent"))},
                errors=(404,),
                params=[event_id],
            )
        },
        "/coupon-events/{event_id}/claims": {
            "post": operation(
                "Claim one coupon for the caller",
                {201: ok("Claimed", ref("Coupon"))},
                errors=(404, 409, 410),
                params=[event_id],
                auth="user",
            ),
            "get": operation(
                "The event's coupons in claim order",
                {200: ok("A page", ref("Claims"))},
                errors=(404,),
                params=[event_id, *paging(20)],
                auth="admin",
            ),
        },
        "/events/stream": {
            "get": operation(
                "Follow a channel as Server-Sent Events",
                {
                    200: {
                        "description": "`event: <type>` and `data: <json>` per message",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    }
                },
                params=[query("channel", NAME, required=True)],
            ),
            "post": operation(
                "Publish on the channel named `stream`",
                {202: ok("Published", ref("Published"))},
                body=ref("BusMessage"),
                auth="admin",
            ),
        },
        "/events/{channel}": {
            "post": operation(
                "Publish a message on a channel",
                {202: ok("Published", ref("Published"))},
                body=ref("BusMessage"),
                params=[path("channel", NAME)],
                auth="admin",
            )
        },
        "/usage": {
            "post": operation(
                "Ingest a usage record; 202 only once the store acknowledged it",
                {202: ok("Stored", ref("UsageAccepted"))},
                body=ref("UsageRecord"),
            )
        },
        "/usage/{source}": {
            "get": operation(
                "What a source sent",
                {200: ok("Counts", ref("UsageStats"))},
                params=[path("source", NAME)],
            )
        },
        "/healthz": {
            "get": {
                "summary": "Liveness, no I/O",
                "responses": {"200": ok("Alive", ref("Health"))},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: every backend answers",
                "responses": {"200": ok("Ready", ref("Readiness")), "503": problem(503)},
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
                "responses": {"200": ok("OpenAPI 3.1", {"type": "object"})},
            }
        },
    }
