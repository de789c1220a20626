"""Drafts of lessons and exercises being written in the browser.

A draft holds the folder's files exactly as the `lessons/` format has them; publishing hands
them to the catalog's own services, which make a new ExerciseVersion whenever the files change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class ValidationStatus(models.TextChoices):
    NONE = "none", "Not validated"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"


class ExerciseDraft(models.Model):
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=80)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_drafts"
    )
    files = models.JSONField(default=dict, help_text="{path in the exercise folder: text}")
    files_hash = models.CharField(max_length=64, blank=True)
    problems = models.JSONField(default=list, help_text="Format errors, file:line: message")
    validation_status = models.CharField(
        max_length=10, choices=ValidationStatus.choices, default=ValidationStatus.NONE
    )
    validation_rows = models.JSONField(default=list)
    validated_hash = models.CharField(max_length=64, blank=True)
    claim_token = models.CharField(max_length=36, blank=True)
    published_version = models.ForeignKey(
        "catalog.ExerciseVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"draft {self.slug}"

    def get_absolute_url(self) -> str:
        return reverse("authoring_exercise_edit", args=[self.pk])

    @property
    def validation_pending(self) -> bool:
        return self.validation_status in (ValidationStatus.QUEUED, ValidationStatus.RUNNING)

    @property
    def validation_passed(self) -> bool:
        """True only for a finished validation of exactly the files now in the draft."""
        return (
            self.validation_status == ValidationStatus.FINISHED
            and self.validated_hash == self.files_hash
            and not self.problems
            and bool(self.validation_rows)
            and all(row["ok"] for row in self.validation_rows)
        )

    @property
    def validation_infrastructure_failed(self) -> bool:
        """The sandbox itself failed (not the exercise): validating again may well pass."""
        return any(
            row["status"] == "error"
            and "infrastructure" in row.get("detail", "")
            or row["variant"] == "all"
            for row in self.validation_rows
        )

    @property
    def is_published(self) -> bool:
        version = self.published_version
        return version is not None and version.content_hash == self.files_hash


class LessonDraft(models.Model):
    lesson = models.ForeignKey(
        "catalog.Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dir_name = models.CharField(max_length=120, help_text="Folder name, e.g. 05-step-functions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_drafts"
    )
    text = models.TextField(help_text="lesson.md: front matter, then Markdown")
    problems = models.JSONField(default=list)
    published_text = models.TextField(blank=True, help_text="lesson.md as last published")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.dir_name

    def get_absolute_url(self) -> str:
        return reverse("authoring_lesson_edit", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return bool(self.published_text) and self.published_text == self.text
