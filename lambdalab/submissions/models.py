"""Runs (ungraded Test invocations) and Submissions (graded attempts).

Both share a lifecycle: queued → running → finished, or error when the infrastructure failed (never
the learner's fault: the attempt is not counted and the job is retried). The row is the source of
truth; Celery carries only ids, and a claim token makes sure only one delivery writes the result.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from lambdalab.core.jobs import PENDING, Status

__all__ = ["PENDING", "Run", "Status", "Submission"]


class Job(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    files = models.JSONField(help_text="The code snapshot: relative path → source.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=36, blank=True)
    deliveries = models.PositiveIntegerField(
        default=0, help_text="How many times a worker claimed it."
    )
    infra_retries = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def queue_ms(self) -> float | None:
        if not self.started_at:
            return None
        return (self.started_at - self.created_at).total_seconds() * 1000

    @property
    def total_ms(self) -> float | None:
        if not self.finished_at:
            return None
        return (self.finished_at - self.created_at).total_seconds() * 1000


class Run(Job):
    """An ungraded Test invocation with a chosen event and function configuration."""

    exercise = models.ForeignKey(
        "catalog.Exercise", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    handler = models.CharField(max_length=200, default="lambda_function.lambda_handler")
    config = models.JSONField(default=dict, help_text="memory, timeout, environment, architecture")
    event = models.JSONField(default=dict)
    cold = models.BooleanField(default=False, help_text="Force a cold start.")
    record = models.JSONField(null=True, blank=True, help_text="The invocation record.")
    aws_state = models.JSONField(null=True, blank=True, help_text="Mock AWS before and after.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("run_detail", args=[self.pk])


class Submission(Job):
    """A graded attempt at an exercise, against one version of its tests."""

    exercise = models.ForeignKey(
        "catalog.Exercise", on_delete=models.PROTECT, related_name="submissions"
    )
    exercise_version = models.ForeignKey(
        "catalog.ExerciseVersion", on_delete=models.PROTECT, related_name="submissions"
    )
    attempt = models.PositiveIntegerField(default=1)
    config = models.JSONField(default=dict)
    passed = models.BooleanField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="0–1")
    points = models.FloatField(null=True, blank=True)
    max_points = models.FloatField(null=True, blank=True)
    results = models.JSONField(null=True, blank=True, help_text="The versioned results document.")
    sandbox_ms = models.FloatField(
        null=True, blank=True, help_text="Time spent grading in the sandbox."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["user", "exercise", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("submission_detail", args=[self.pk])

    @property
    def percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)
