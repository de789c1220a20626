from __future__ import annotations


class Refused(Exception):
    """A request the learner must change or wait for; the message is shown to them as it is."""

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class InfrastructureError(Exception):
    """A fault on our side (sandbox, worker, mock AWS): retried, never held against the learner."""
