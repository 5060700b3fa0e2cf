"""ASGI factory: `uvicorn --factory composition.asgi:create_app`."""

import os
import sys

from adapters.http.edge import ASGIApp
from composition.root import Assembly, build
from composition.settings import Settings, SettingsError


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from the environment, or exit with status 2 and one line naming the problem."""
    try:
        return Settings.from_environ(os.environ if environ is None else environ)
    except SettingsError as error:
        print(f"redis-practice: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def announce(built: Assembly) -> None:
    """Print each generated token, once, to the terminal (never to the logs), and any warning
    about the configuration."""
    for warning in built.warnings:
        print(f"redis-practice: warning: {warning}", file=sys.stderr, flush=True)
    for name, token in built.generated:
        print(
            f"redis-practice: {name} is not set; generated for this process: {token}",
            file=sys.stderr,
            flush=True,
        )


def create_app() -> ASGIApp:
    built = build(load_settings())
    announce(built)
    return built.app()
