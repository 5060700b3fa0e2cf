"""Who is on the other end of a request: the client address that per-client limits count."""

import ipaddress
from typing import Final

import falcon.asgi

IPV6_PREFIX: Final = 64
"""One IPv6 client holds a whole /64 and can pick any address in it: count the /64."""


def client_address(req: falcon.asgi.Request, *, trust_forwarded_for: bool) -> str:
    """The address limits are counted by: the peer's, or behind a proxy (`trust_forwarded_for`)
    the last `X-Forwarded-For` entry, which is the one that proxy appended. Earlier entries
    come from the client and prove nothing. IPv6 addresses count by their /64."""
    address = req.remote_addr
    if trust_forwarded_for:
        forwarded = req.get_header("X-Forwarded-For")
        if forwarded:
            address = forwarded.rsplit(",", 1)[-1].strip()
    return _counted(address) or _counted(req.remote_addr) or "unknown"


def _counted(address: str | None) -> str | None:
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)
