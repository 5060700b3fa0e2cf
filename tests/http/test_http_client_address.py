"""The address the per-client OTP limit counts by, through the real server: `X-Forwarded-For`
counts only with `TRUST_FORWARDED_FOR=true`. The server itself must not rewrite the peer's
address from that header (uvicorn does, by default, for peers on 127.0.0.1), or any local
client could pick a new address for every request."""

import json
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.app_server import running_app

LIMIT = 3
ENVIRONMENT = {"OTP_CLIENT_ISSUE_LIMIT": str(LIMIT), "OTP_SECRET": "client-address-otp-secret-01"}


def issue(url: str, user_id: str, forwarded_for: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}/otp",
        data=json.dumps({"user_id": user_id}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def statuses(url: str) -> list[int]:
    """LIMIT + 2 issues for different users, each claiming a different forwarded address."""
    return [issue(url, f"user-{n}", f"203.0.113.{n}") for n in range(LIMIT + 2)]


def test_a_forwarded_address_is_ignored_unless_trusted(tmp_path: Path) -> None:
    with running_app(ENVIRONMENT, log=tmp_path / "app.log") as app:
        assert statuses(app.url) == [201] * LIMIT + [429, 429]


def test_a_trusted_forwarded_address_is_the_client(tmp_path: Path) -> None:
    trusted = {**ENVIRONMENT, "TRUST_FORWARDED_FOR": "true"}
    with running_app(trusted, log=tmp_path / "app.log") as app:
        assert statuses(app.url) == [201] * (LIMIT + 2)
