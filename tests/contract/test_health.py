"""`HealthProbe` contract."""

from tests.contract.backends import Backend


async def test_a_reachable_backend_passes_its_check(backend: Backend) -> None:
    await backend.probe().check()
