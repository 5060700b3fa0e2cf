"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.fuzz.hooks): credentials per security scheme.

An operation secured by `admin` gets the administrator token, one secured by `ingest` the
ingestion token; one secured by `user` gets a fresh session of a fresh user (a real OTP issue
and verify against the server under test), so that logging out in one case does not leave the
next ones with a dead token. The server runs with OTP_EXPOSE_CODE=true and
OTP_CLIENT_ISSUE_LIMIT=0 for this.
"""

import itertools
import os
from typing import Any

import requests
import schemathesis

_users = itertools.count()


def _scheme(case: Any) -> str | None:
    for requirement in case.operation.definition.raw.get("security", []):
        for name in requirement:
            return str(name)
    return None


@schemathesis.auth(refresh_interval=None)
class SchemeAuth:
    """The bearer token each operation's security scheme asks for."""

    def get(self, case: Any, context: Any) -> str | None:
        match _scheme(case):
            case "admin":
                return os.environ["ADMIN_TOKEN"]
            case "ingest":
                return os.environ["INGEST_TOKEN"]
            case "user":
                return _fresh_session()
        return None

    def set(self, case: Any, data: str | None, context: Any) -> None:
        if data is not None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _fresh_session() -> str:
    base = os.environ["FUZZ_BASE_URL"]
    user = f"fuzz-user-{os.getpid()}-{next(_users)}"
    issued = requests.post(f"{base}/otp", json={"user_id": user}, timeout=10)
    issued.raise_for_status()
    verified = requests.post(
        f"{base}/otp/verify", json={"user_id": user, "code": issued.json()["code"]}, timeout=10
    )
    verified.raise_for_status()
    token: str = verified.json()["token"]
    return token
