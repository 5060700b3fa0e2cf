"""The `Lock` port: a named mutual-exclusion lock shared by every instance of the service."""

from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Lock(Protocol):
    """Distributed mutual exclusion with a lease.

    Contract:
    - `hold(name)` enters once this caller is the only holder of `name`, waiting at most
      `wait_seconds` (else `LockNotAcquired`), and releases on exit.
    - The lease ends by itself `ttl_seconds` after acquisition, so a crashed holder cannot block
      the others forever. Choose `ttl_seconds` longer than the critical section can last.
    - Release only ever removes the caller's own lease: a holder whose lease expired and was
      taken by another never releases the other's lock.
    - Failures raise `BackendUnavailable` / `BackendTimeout`.
    """

    def hold(
        self, name: str, *, ttl_seconds: float, wait_seconds: float
    ) -> AbstractAsyncContextManager[None]: ...
