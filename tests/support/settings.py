"""The settings every in-process suite starts from: fixed tokens and secret, codes exposed."""

from typing import Final

from composition.settings import Settings

ADMIN_TOKEN: Final = "admin-token-for-tests-0123456789"
INGEST_TOKEN: Final = "ingest-token-for-tests-0123456789"
OTP_SECRET: Final = "otp-secret-for-tests-0123456789"


def settings_for_tests() -> Settings:
    return Settings(
        admin_token=ADMIN_TOKEN,
        ingest_token=INGEST_TOKEN,
        otp_secret=OTP_SECRET,
        otp_expose_code=True,
    )
