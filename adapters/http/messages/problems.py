"""RFC 9457 problem documents, the one shape of every error response."""

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from adapters.http.messages.fields import Count


class FieldError(Struct):
    """One broken rule: the field (body member, query or path parameter) and what is wrong."""

    field: str
    message: str


class Problem(Struct, kw_only=True, omit_defaults=True):
    """What went wrong. `attempts_left` comes with a wrong OTP code, `checks` with a failed
    readiness check, `coupon_id` with a claim by a user who holds that coupon already (and
    only once the archive holds it)."""

    type: str
    title: str
    status: Annotated[int, Meta(ge=400, le=599)]
    detail: str
    attempts_left: Count | UnsetType = UNSET
    checks: dict[str, str] | UnsetType = UNSET
    coupon_id: Annotated[int, Meta(ge=1)] | UnsetType = UNSET


class ValidationProblem(Problem, kw_only=True, omit_defaults=True):
    """Well-formed JSON that breaks rules: `errors` lists every broken rule at once."""

    errors: list[FieldError]
