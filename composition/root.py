"""`assemble` and `build`: settings in, the wired application out, for the chosen profile."""

import secrets
from dataclasses import dataclass, replace
from typing import Any, Final

from dependency_injector import containers

from adapters.http.app import HttpOptions
from adapters.http.edge import ASGIApp
from composition.containers import Application
from composition.lifecycle import Backends
from composition.profiles import PROFILES
from composition.settings import DEFAULT_DATABASE_URL, Settings
from domain.usecases.archiving import ArchiveIssuedCoupons
from domain.usecases.reconciling import ReconcileCoupons
from ports.clock import Clock
from ports.secrets import SecretSource

SECRETS: Final = (
    ("ADMIN_TOKEN", "admin_token", True),
    ("INGEST_TOKEN", "ingest_token", True),
    ("OTP_SECRET", "otp_secret", False),
)
"""Each secret generated when unset: its variable, its field, and whether it is printed once
(a client needs the tokens; nobody needs the OTP key)."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """The settings with every secret the environment left unset generated, those secrets
    (variable name, value), and the warnings the configuration deserves."""

    settings: Settings
    generated: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def shown(self) -> tuple[tuple[str, str], ...]:
        """The generated secrets to print once."""
        printed = {env for env, _, shown in SECRETS if shown}
        return tuple((env, value) for env, value in self.generated if env in printed)


def prepare(settings: Settings) -> Prepared:
    """Generate the secrets the environment left unset (no I/O). A server of several workers
    calls it once and hands the result to each worker, so that they share them."""
    generated = tuple(
        (env, secrets.token_urlsafe(32))
        for env, name, _ in SECRETS
        if getattr(settings, name) is None
    )
    fields = {env: name for env, name, _ in SECRETS}
    changes: dict[str, Any] = {fields[env]: value for env, value in generated}
    completed = replace(settings, **changes)
    warnings: list[str] = []
    if not settings.profile.in_process and settings.otp_secret is None:
        warnings.append(
            "OTP_SECRET is not set: the one generated serves this server only, so codes it "
            "issues will not verify on another instance, nor after a restart"
        )
    if settings.profile.in_process and settings.database_url != DEFAULT_DATABASE_URL:
        warnings.append("DATABASE_URL is ignored on the memory profile: notices stay in process")
    return Prepared(completed, generated, tuple(warnings))


@dataclass(frozen=True, slots=True)
class Assembly:
    """The wired containers, nothing built yet, the tokens generated because the environment
    set none (variable name, value) and the warnings, both to print once.

    Tests override providers of `adapters` (a failing backend, say) before calling `app()`.
    """

    container: Application
    adapters: containers.DeclarativeContainer
    generated: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()

    def app(self) -> ASGIApp:
        app: ASGIApp = self.container.http_app()
        return app

    def backends(self) -> Backends:
        """What the app starts and stops on ASGI lifespan: the profile's backends, and the
        ledger worker unless `LEDGER_WORKER_IN_APP` is off."""
        backends: Backends = self.container.backends()
        return backends

    def profile_backends(self) -> Backends:
        """The profile's backends alone (the ledger commands start no ledger worker of the
        app's)."""
        return Backends(self.adapters.closeables(), self.adapters.startables())

    def ledger_worker(self) -> ArchiveIssuedCoupons:
        worker: ArchiveIssuedCoupons = self.container.ledger_worker()
        return worker

    def reconcile(self) -> ReconcileCoupons:
        use_case: ReconcileCoupons = self.container.reconcile_coupons()
        return use_case


def assemble(
    settings: Settings,
    *,
    clock: Clock | None = None,
    secret_source: SecretSource | None = None,
    sse_keepalive_seconds: float = 15.0,
) -> Assembly:
    """Wire the profile's adapters under the use-cases and the HTTP app. No I/O happens here.

    `clock` and `secret_source` replace the system ones (tests move time, fix codes).
    """
    prepared = prepare(settings)
    settings = prepared.settings
    assert settings.admin_token is not None
    assert settings.ingest_token is not None
    assert settings.otp_secret is not None
    container = Application(
        settings=settings,
        admin_token=settings.admin_token,
        ingest_token=settings.ingest_token,
        otp_secret=settings.otp_secret.encode(),
        http_options=HttpOptions(
            deadline_seconds=settings.request_deadline_seconds,
            sse_keepalive_seconds=sse_keepalive_seconds,
            sse_max_stream_seconds=settings.sse_max_stream_seconds,
            expose_otp_code=settings.otp_expose_code,
            trust_forwarded_for=settings.trust_forwarded_for,
        ),
    )
    if clock is not None:
        container.clock.override(clock)
    if secret_source is not None:
        container.secrets.override(secret_source)
    adapters = PROFILES[settings.profile](
        clock=container.clock, metrics=container.metrics, settings=container.settings
    )
    container.adapters.override(adapters)
    return Assembly(container, adapters, prepared.shown, prepared.warnings)


def build(settings: Settings) -> Assembly:
    """`assemble` with the system clock and CSPRNG."""
    return assemble(settings)
