"""What a learner leaves while studying: drafts, saved test events, quiz answers, lessons done.

Graded attempts live in submissions; this app keeps the learner's own working state so that
nothing they type is lost between visits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Draft(models.Model):
    """The learner's latest code, function configuration and test event for one exercise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("catalog.Exercise", on_delete=models.CASCADE, related_name="+")
    files = models.JSONField(default=dict, help_text="relative path → source")
    config = models.JSONField(default=dict, help_text="the learner's configurable overrides")
    event_text = models.TextField(blank=True, help_text="the Test event as typed (may be invalid)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise"], name="progress_draft_unique")
        ]

    def __str__(self) -> str:
        return f"draft of {self.exercise_id} by {self.user_id}"


class SavedEvent(models.Model):
    """A private test event, like the Lambda console's saved test events."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("catalog.Exercise", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=25)
    body = models.TextField(help_text="JSON text, kept as typed")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exercise", "name"], name="progress_savedevent_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class QuizAnswer(models.Model):
    """The learner's latest answer to one quiz."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quiz = models.ForeignKey("catalog.Quiz", on_delete=models.CASCADE, related_name="+")
    selected = models.JSONField(default=list, help_text="indexes of the chosen options")
    correct = models.BooleanField(default=False)
    tries = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz"], name="progress_quizanswer_unique")
        ]

    def __str__(self) -> str:
        return f"answer to {self.quiz_id} by {self.user_id}"


class LessonProgress(models.Model):
    """When a learner first opened a lesson and when they marked it done."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="progress_lesson_unique")
        ]

    def __str__(self) -> str:
        return f"lesson {self.lesson_id} for {self.user_id}"
