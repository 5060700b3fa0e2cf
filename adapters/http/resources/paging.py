"""The `limit` and `offset` query parameters every list accepts."""

import functools

import falcon.asgi

from adapters.http.requests import QueryFields
from domain.model.paging import PageRequest
from domain.model.rules import LIMIT, OFFSET


@functools.cache
def _default(limit: int) -> PageRequest:
    return PageRequest(limit=limit)


def page_request(req: falcon.asgi.Request, *, default_limit: int = 20) -> PageRequest:
    """`limit` (1-100) and `offset` (0-100000) from the query string; 422 if out of rule."""
    if not req.query_string:
        return _default(default_limit)
    with QueryFields(req) as query:
        limit = query.integer("limit", LIMIT, default_limit)
        offset = query.integer("offset", OFFSET, 0)
    return PageRequest(limit=limit, offset=offset)
