from __future__ import annotations

from django.db import models


class WorkerPing(models.Model):
    """A round trip through the broker to a worker, posted from the site's status page."""

    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"ping {self.pk}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def round_trip_ms(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.created_at).total_seconds() * 1000
