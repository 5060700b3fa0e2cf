"""The only errors an adapter may raise; each adapter translates its client's errors into these."""


class PortError(Exception):
    """Base of every error that crosses a port."""


class BackendUnavailable(PortError):
    """The backend could not be reached or refused the operation. A write may not have happened."""


class BackendTimeout(BackendUnavailable):
    """The backend did not answer in time. A write may or may not have happened."""


class LockNotAcquired(PortError):
    """Someone else held the lock for the whole of the allowed wait."""


class SubscriptionClosed(PortError):
    """The event bus is shutting down: this subscription will deliver nothing more."""
