"""The `limit` and `offset` query parameters every list accepts."""

import falcon.asgi

from adapters.http.requests import QueryFields
from domain.model.paging import PageRequest
from domain.model.rules import LIMIT, OFFSET


def page_request(req: falcon.asgi.Request, *, default_limit: int = 20) -> PageRequest:
    """`limit` (1-100) and `offset` (0-100000) from the query string; 422 if out of rule."""
    with QueryFields(req) as query:
        limit = query.integer("limit", LIMIT, default_limit)
        offset = query.integer("offset", OFFSET, 0)
    return PageRequest(limit=limit, offset=offset)
