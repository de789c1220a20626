"""Courses (who teaches, who learns, what is assigned and when) and shadow regrades.

A regrade never touches a submission until an instructor applies it: each RegradeItem holds the
new result beside the old one, so the diff can be reviewed first and the original kept for audit.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lambdalab.core.jobs import Status

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


class Course(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_courses"
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="taught_courses", blank=True
    )
    lessons = models.ManyToManyField("catalog.Lesson", related_name="courses", blank=True)
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    invite_token = models.UUIDField(unique=True, default=uuid.uuid4)
    joining_open = models.BooleanField(default=True)
    late_penalty_percent = models.PositiveIntegerField(
        default=10, help_text="Points lost per day (or part of a day) late, in percent."
    )
    late_days_max = models.PositiveIntegerField(
        default=3, help_text="After this many days late a submission earns nothing."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("course_detail", args=[self.pk])


class Enrolment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="courses_enrolment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class Assignment(models.Model):
    """An exercise set in a course: its due date, its weight and how lateness is treated."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    exercise = models.ForeignKey(
        "catalog.Exercise", on_delete=models.PROTECT, related_name="assignments"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    points = models.FloatField(default=10)
    position = models.PositiveIntegerField(default=0)
    accept_late = models.BooleanField(default=True)

    class Meta:
        ordering = ["course", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "exercise"], name="courses_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.exercise}"

    def days_late(self, when: datetime) -> int:
        """0 when on time; otherwise whole days late, a part day counting as one."""
        if self.due_at is None or when <= self.due_at:
            return 0
        return -(-(when - self.due_at) // timedelta(days=1))

    def late_factor(self, when: datetime) -> float:
        """The share of the points a submission made at `when` can still earn."""
        days = self.days_late(when)
        if days == 0:
            return 1.0
        if not self.accept_late or days > self.course.late_days_max:
            return 0.0
        return max(0.0, 1 - days * self.course.late_penalty_percent / 100)


class RegradeStatus(models.TextChoices):
    RUNNING = "running", "Running"
    READY = "ready", "Ready to review"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"


class Regrade(models.Model):
    """Every submission of an exercise, graded again against a newer version, in the shadows."""

    exercise = models.ForeignKey(
        "catalog.Exercise", on_delete=models.PROTECT, related_name="regrades"
    )
    version = models.ForeignKey(
        "catalog.ExerciseVersion", on_delete=models.PROTECT, related_name="regrades"
    )
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.CASCADE, related_name="regrades"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=RegradeStatus.choices, default=RegradeStatus.RUNNING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"regrade {self.pk} of {self.exercise} to v{self.version.number}"

    def get_absolute_url(self) -> str:
        return reverse("regrade_detail", args=[self.course_id, self.pk])


ItemStatus = Status  # a regrade item is a background job like any other


class RegradeItem(models.Model):
    """One submission's shadow grade. The submission itself is only written on apply."""

    regrade = models.ForeignKey(Regrade, on_delete=models.CASCADE, related_name="items")
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="regrade_items"
    )
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.QUEUED)
    claim_token = models.CharField(max_length=36, blank=True)
    deliveries = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    old_version = models.ForeignKey(
        "catalog.ExerciseVersion", on_delete=models.PROTECT, related_name="+"
    )
    old_score = models.FloatField(null=True, blank=True)
    old_points = models.FloatField(null=True, blank=True)
    old_passed = models.BooleanField(null=True, blank=True)
    old_results = models.JSONField(null=True, blank=True)
    new_score = models.FloatField(null=True, blank=True)
    new_points = models.FloatField(null=True, blank=True)
    new_max_points = models.FloatField(null=True, blank=True)
    new_passed = models.BooleanField(null=True, blank=True)
    new_results = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["regrade", "submission_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["regrade", "submission"], name="courses_regradeitem_unique"
            )
        ]

    def __str__(self) -> str:
        return f"regrade {self.regrade_id} of submission {self.submission_id}"

    @property
    def changed(self) -> bool:
        return self.status == ItemStatus.FINISHED and (self.old_score or 0) != (self.new_score or 0)


class ScoreNotice(models.Model):
    """Tells a student that an applied regrade changed one of their scores."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="score_notices"
    )
    regrade = models.ForeignKey(Regrade, on_delete=models.CASCADE, related_name="notices")
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="+"
    )
    old_score = models.FloatField()
    new_score = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user}: {self.old_score:.0%} → {self.new_score:.0%}"
