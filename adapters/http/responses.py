"""Writing responses: JSON bodies through orjson, and the API's representations."""

from typing import Any

import falcon.asgi
import orjson

from domain.model.coupons import Coupon, CouponEvent
from domain.model.ranking import Standing


def send_json(resp: falcon.asgi.Response, body: Any, *, status: int = 200) -> None:
    resp.status = status
    resp.data = orjson.dumps(body)
    resp.content_type = "application/json"


def standing_json(standing: Standing) -> dict[str, Any]:
    return {"member": standing.member, "score": standing.score, "rank": standing.rank}


def event_json(event: CouponEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "name": event.name,
        "quantity": event.quantity,
        "strategy": event.strategy.value,
        "issued": event.issued,
        "remaining": event.remaining,
    }


def coupon_json(coupon: Coupon) -> dict[str, Any]:
    return {"coupon_id": coupon.coupon_id, "event_id": coupon.event_id, "user_id": coupon.user_id}
