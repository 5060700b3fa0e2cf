"""The `backend` fixture: every contract test runs once per backend, with the same test id."""

from collections.abc import AsyncIterator

import pytest

from tests.contract.backends import Backend, InMemoryBackend

BACKENDS = ["inmemory"]


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    match request.param:
        case "inmemory":
            chosen: Backend = InMemoryBackend()
    try:
        yield chosen
    finally:
        await chosen.close()
