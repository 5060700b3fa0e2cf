"""The route table: every operation, declared on its handler (`@operation`), gathered resource by
resource in the order the OpenAPI document lists them. The app and the document are both built
from it."""

from typing import Final

from adapters.http.resources.coupons import CouponsResource
from adapters.http.resources.events import EventsResource
from adapters.http.resources.notices import NoticesResource
from adapters.http.resources.operations import OperationsResource
from adapters.http.resources.otp import OtpResource
from adapters.http.resources.rankings import RankingsResource
from adapters.http.resources.searches import SearchesResource
from adapters.http.resources.sessions import SessionsResource
from adapters.http.resources.usage import UsageResource
from adapters.http.routing import Route, routes_of

ROUTES: Final[tuple[Route, ...]] = routes_of(
    NoticesResource,
    OtpResource,
    SessionsResource,
    SearchesResource,
    RankingsResource,
    CouponsResource,
    EventsResource,
    UsageResource,
    OperationsResource,
)
