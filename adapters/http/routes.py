"""The route table: every feature's routes (declared beside its resource), in the order the
OpenAPI document lists them. The app and the document are both built from it."""

from typing import Final

from adapters.http.resources import (
    coupons,
    events,
    notices,
    operations,
    otp,
    rankings,
    searches,
    sessions,
    usage,
)
from adapters.http.routing import Route

ROUTES: Final[tuple[Route, ...]] = (
    *notices.ROUTES,
    *otp.ROUTES,
    *sessions.ROUTES,
    *searches.ROUTES,
    *rankings.ROUTES,
    *coupons.ROUTES,
    *events.ROUTES,
    *usage.ROUTES,
    *operations.ROUTES,
)
