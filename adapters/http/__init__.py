"""The HTTP edge: Falcon ASGI resources implementing API.md over the use-cases."""
