"""Bodies of `/usage`: a usage record, its receipt, and what a source sent."""

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from adapters.http.messages.events import JsonPayload
from adapters.http.messages.fields import Count, Name

Seq = Annotated[int, Meta(ge=0, le=2**63 - 1, description="The record's number at its source")]


class UsageRecord(Struct, forbid_unknown_fields=True):
    """One record sent by `source`."""

    source: Name
    seq: Seq
    payload: JsonPayload | UnsetType = UNSET


class UsageAccepted(Struct):
    """The store acknowledged the record."""

    source: Name
    seq: Seq


class UsageStats(Struct):
    """Records received from a source, and the distinct `seq` among them."""

    source: Name
    count: Count
    distinct_seq: Count
