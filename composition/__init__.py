"""Composition root: settings, one container per profile, the ASGI factory and the CLI."""
