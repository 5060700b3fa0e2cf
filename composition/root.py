"""`assemble` and `build`: settings in, the wired application out, for the chosen profile."""

import secrets
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Assembly:
    """The wired containers, nothing built yet, and the tokens generated because the
    environment set none (variable name, value).

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
    admin_token = settings.admin_token or secrets.token_urlsafe(24)
    ingest_token = settings.ingest_token or secrets.token_urlsafe(24)
    generated = tuple(
        (name, token)
        for name, given, token in (
            ("ADMIN_TOKEN", settings.admin_token, admin_token),
            ("INGEST_TOKEN", settings.ingest_token, ingest_token),
        )
        if given is None
    )
    container = Application(
        settings=settings,
        admin_token=admin_token,
        ingest_token=ingest_token,
        # NOTE: a per-process secret is fine while the codes live in this process too; with a
        # shared store, every instance must be given the same OTP_SECRET.
        otp_secret=settings.otp_secret.encode() if settings.otp_secret else secrets.token_bytes(32),
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
    warnings: list[str] = []
    if not settings.profile.in_process and settings.otp_secret is None:
        warnings.append(
            "OTP_SECRET is not set: codes issued by this instance will not verify on another "
            "instance, nor after a restart"
        )
    if settings.profile.in_process and settings.database_url != DEFAULT_DATABASE_URL:
        warnings.append("DATABASE_URL is ignored on the memory profile: notices stay in process")
    return Assembly(container, adapters, generated, tuple(warnings))


def build(settings: Settings) -> Assembly:
    """`assemble` with the system clock and CSPRNG."""
    return assemble(settings)
