"""Reads of a learner's progress: per lesson, per exercise, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambdalab.catalog.models import Exercise, Lesson, Quiz
from lambdalab.progress.models import Draft, LessonProgress, QuizAnswer, SavedEvent


@dataclass
class ExerciseProgress:
    exercise: Exercise
    best_score: float | None  # 0–1, None when never graded

    @property
    def passed(self) -> bool:
        return self.best_score is not None and self.best_score >= 1

    @property
    def percent(self) -> int | None:
        return None if self.best_score is None else round(self.best_score * 100)


@dataclass
class LessonSummary:
    lesson: Lesson
    quizzes_total: int
    quizzes_correct: int
    exercises: list[ExerciseProgress] = field(default_factory=list)
    opened: bool = False
    completed: bool = False

    @property
    def items_total(self) -> int:
        return self.quizzes_total + len(self.exercises)

    @property
    def items_done(self) -> int:
        return self.quizzes_correct + sum(e.passed for e in self.exercises)

    @property
    def percent(self) -> int:
        if self.completed and self.items_done == self.items_total:
            return 100
        if not self.items_total:
            return 100 if self.completed else 0
        return round(100 * self.items_done / self.items_total)

    @property
    def state(self) -> str:
        if self.completed and self.percent == 100:
            return "done"
        return "started" if self.opened or self.items_done else "new"


def lesson_summaries(*, user, lessons: list[Lesson]) -> list[LessonSummary]:
    """Progress for each lesson; an anonymous visitor gets empty progress."""
    from lambdalab.submissions.selectors import best_scores

    authenticated = bool(user and user.is_authenticated)
    best = best_scores(user=user) if authenticated else {}
    correct = _correct_quizzes_by_lesson(user) if authenticated else {}
    seen = _lesson_progress(user) if authenticated else {}
    totals = _quiz_totals([lesson.pk for lesson in lessons])
    summaries = []
    for lesson in lessons:
        exercises = [ExerciseProgress(e, best.get(e.pk)) for e in _published_exercises(lesson)]
        progress = seen.get(lesson.pk)
        summaries.append(
            LessonSummary(
                lesson=lesson,
                quizzes_total=totals.get(lesson.pk, 0),
                quizzes_correct=correct.get(lesson.pk, 0),
                exercises=exercises,
                opened=progress is not None,
                completed=bool(progress and progress.completed_at),
            )
        )
    return summaries


def _published_exercises(lesson: Lesson) -> list[Exercise]:
    # lesson_list() prefetches published exercises; filter again in case it was not used.
    return [e for e in lesson.exercises.all() if not e.archived]


def _quiz_totals(lesson_ids: list[int]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for lesson_id in Quiz.objects.filter(lesson_id__in=lesson_ids, archived=False).values_list(
        "lesson_id", flat=True
    ):
        totals[lesson_id] = totals.get(lesson_id, 0) + 1
    return totals


def _correct_quizzes_by_lesson(user) -> dict[int, int]:
    counts: dict[int, int] = {}
    answers = QuizAnswer.objects.filter(user=user, correct=True, quiz__archived=False)
    for lesson_id in answers.values_list("quiz__lesson_id", flat=True):
        counts[lesson_id] = counts.get(lesson_id, 0) + 1
    return counts


def _lesson_progress(user) -> dict[int, LessonProgress]:
    return {p.lesson_id: p for p in LessonProgress.objects.filter(user=user)}


def quiz_answers(*, user, lesson: Lesson) -> dict[int, QuizAnswer]:
    """quiz pk → the learner's answer, for one lesson."""
    if not user.is_authenticated:
        return {}
    answers = QuizAnswer.objects.filter(user=user, quiz__lesson=lesson)
    return {answer.quiz_id: answer for answer in answers}


def lesson_progress_get(*, user, lesson: Lesson) -> LessonProgress | None:
    if not user.is_authenticated:
        return None
    return LessonProgress.objects.filter(user=user, lesson=lesson).first()


def draft_get(*, user, exercise: Exercise) -> Draft | None:
    return Draft.objects.filter(user=user, exercise=exercise).first()


def saved_events(*, user, exercise: Exercise) -> list[SavedEvent]:
    return list(SavedEvent.objects.filter(user=user, exercise=exercise))


@dataclass(frozen=True)
class NextStep:
    title: str
    url: str
    why: str


def next_step(*, summaries: list[LessonSummary]) -> NextStep | None:
    """The first thing not yet done, in curriculum order: an exercise, a quiz, or the lesson."""
    for summary in summaries:
        lesson = summary.lesson
        for progress in summary.exercises:
            if not progress.passed:
                why = (
                    "Finish this exercise"
                    if progress.best_score is not None
                    else "Try this exercise"
                )
                return NextStep(
                    progress.exercise.title,
                    _exercise_url(progress.exercise),
                    f"{why} from “{lesson.title}”.",
                )
        if summary.quizzes_correct < summary.quizzes_total or not summary.completed:
            return NextStep(
                lesson.title,
                lesson.get_absolute_url(),
                "Read the lesson, answer its questions and mark it done.",
            )
    return None


def _exercise_url(exercise: Exercise) -> str:
    from django.urls import reverse

    return reverse("exercise_detail", args=[exercise.slug])


def dashboard(*, user, lessons: list[Lesson]) -> dict[str, Any]:
    from lambdalab.submissions.selectors import submissions_recent

    summaries = lesson_summaries(user=user, lessons=lessons)
    done = sum(s.items_done for s in summaries)
    total = sum(s.items_total for s in summaries)
    return {
        "summaries": summaries,
        "recent": submissions_recent(user=user),
        "next": next_step(summaries=summaries),
        "overall_percent": round(100 * done / total) if total else 0,
        "items_done": done,
        "items_total": total,
    }
