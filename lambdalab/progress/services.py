"""Writes of a learner's working state. Views call these; each does one thing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lambdalab.progress.models import Draft, LessonProgress, QuizAnswer, SavedEvent

MAX_DRAFT_BYTES = 3 * 1024 * 1024  # the Lambda console editor's limit, as for Test and Submit
MAX_EVENT_BYTES = 256 * 1024  # LambdaLab's own limit (AWS takes 6 MB): test events are stored


class DraftRefused(Exception):
    """A draft that cannot be stored as it is; the message is shown to the learner."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class EventProblem:
    """Why a test event is not valid JSON, pointing at the line as the editor numbers it."""

    message: str
    line: int
    column: int
    not_json: bool = True  # False: valid JSON that LambdaLab still cannot take (its size)

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.message}"

    @property
    def sentence(self) -> str:
        """What the learner reads."""
        return f"The test event is not valid JSON. {self}" if self.not_json else self.message


def event_parse(*, text: str) -> tuple[Any, EventProblem | None]:
    """Parse a test event typed by the learner; a problem names the line and column."""
    if not text.strip():
        return None, EventProblem("The event is empty; use {} for an empty event.", 1, 1)
    size = len(text.encode("utf-8"))
    if size > MAX_EVENT_BYTES:
        message = (
            f"The test event is {size / 1024:.0f} KB; LambdaLab keeps test events under 256 KB "
            "(AWS itself accepts up to 6 MB per invoke). Use a smaller sample of the data."
        )
        return None, EventProblem(message, 1, 1, not_json=False)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, EventProblem(exc.msg, exc.lineno, exc.colno)


def files_size(files: dict[str, str]) -> int:
    return sum(len(source.encode("utf-8", "surrogatepass")) for source in files.values())


def draft_save(
    *,
    user,
    exercise,
    files: dict[str, str],
    config: dict | None = None,
    event_text: str | None = None,
) -> None:
    """Store the learner's latest code (and config and event, when given; None keeps what is
    stored). Refuses only what cannot be kept."""
    if files_size(files) > MAX_DRAFT_BYTES:
        raise DraftRefused(
            f"Your code is {files_size(files) / 1024 / 1024:.1f} MB; the limit is 3 MB. "
            "It is still in your browser: remove something and it will be saved."
        )
    values: dict[str, Any] = {"files": files, "updated_at": timezone.now()}
    if config is not None:
        values["config"] = config
    if event_text is not None:
        values["event_text"] = event_text
    # Test and Submit save the draft first, on every click: one UPDATE, once the draft exists.
    drafts = Draft.objects.filter(user=user, exercise=exercise)
    if drafts.update(**values):
        return
    try:
        with transaction.atomic():
            Draft.objects.create(user=user, exercise=exercise, **values)
    except IntegrityError:  # another request created it a moment ago
        drafts.update(**values)


def draft_reset(*, user, exercise) -> None:
    """Go back to the starter code (the exercise's configuration and first event come back too)."""
    Draft.objects.filter(user=user, exercise=exercise).delete()


def event_save(*, user, exercise, name: str, body: str) -> SavedEvent:
    """Save (or overwrite) a private test event; the caller has validated the JSON."""
    event, _ = SavedEvent.objects.update_or_create(
        user=user, exercise=exercise, name=name, defaults={"body": body}
    )
    return event


def event_delete(*, user, exercise, name: str) -> None:
    SavedEvent.objects.filter(user=user, exercise=exercise, name=name).delete()


def quiz_answer(*, user, quiz, selected: list[int]) -> QuizAnswer:
    """Record an answer; it is correct when exactly the correct options were chosen."""
    valid = sorted({i for i in selected if 0 <= i < len(quiz.options)})
    answer, _ = QuizAnswer.objects.get_or_create(user=user, quiz=quiz)
    answer.selected = valid
    answer.correct = bool(valid) and valid == quiz.correct_indexes
    answer.tries += 1
    answer.save()
    return answer


def lesson_open(*, user, lesson) -> LessonProgress:
    progress, created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if not created:
        progress.save(update_fields=["last_seen_at"])
    return progress


def lesson_complete(*, user, lesson, done: bool = True) -> LessonProgress:
    """Mark a lesson done (or not done again)."""
    progress, _ = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    progress.completed_at = timezone.now() if done else None
    progress.save()
    return progress
