"""Building blocks of the OpenAPI document: shared schemas, responses and parameters."""

from typing import Any

Json = dict[str, Any]

USER_ID = {"type": "string", "pattern": "^[A-Za-z0-9_.@+-]{1,64}$"}
NAME = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
TIMESTAMP = {"type": "string", "format": "date-time", "examples": ["2026-11-25T18:00:00.123Z"]}
ID = {"type": "integer", "minimum": 1}

PHRASES = {
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


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def object_(properties: Json, *, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def json_content(schema: Json) -> Json:
    return {"content": {"application/json": {"schema": schema}}}


def problem(status: int) -> Json:
    schema = "ValidationProblem" if status == 422 else "Problem"
    return {
        "description": PHRASES[status],
        "content": {"application/problem+json": {"schema": ref(schema)}},
    }


def operation(
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
            **{str(status): problem(status) for status in sorted(statuses)},
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **json_content(body)}
    if params:
        operation["parameters"] = params
    if auth is not None:
        operation["security"] = [{auth: []}]
    return operation


def ok(description: str, schema: Json, headers: Json | None = None) -> Json:
    response = {"description": description, **json_content(schema)}
    if headers:
        response["headers"] = headers
    return response


def path(name: str, schema: Json) -> Json:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def query(name: str, schema: Json, *, required: bool = False) -> Json:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def paging(default_limit: int) -> list[Json]:
    return [
        query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": default_limit}),
        query("offset", {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}),
    ]


LOCATION = {"Location": {"schema": {"type": "string"}, "description": "The new resource"}}
X_CACHE = {"X-Cache": {"schema": {"enum": ["HIT", "MISS", "BYPASS"]}}}
