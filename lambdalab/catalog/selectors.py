"""Reads of the curriculum for views, tasks and other apps."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from lambdalab.catalog.models import Exercise, ExerciseVersion, Lesson, Quiz


def lesson_list(*, include_archived: bool = False) -> QuerySet[Lesson]:
    """Lessons in curriculum order, each with its published exercises prefetched."""
    lessons = Lesson.objects.all() if include_archived else Lesson.objects.filter(archived=False)
    exercises = Exercise.objects.filter(archived=False).order_by("position")
    return lessons.prefetch_related(Prefetch("exercises", queryset=exercises))


def lesson_get(*, slug: str) -> Lesson:
    """A published lesson by slug (Http404 when missing or archived)."""
    return get_object_or_404(Lesson, slug=slug, archived=False)


def lesson_quizzes(*, lesson: Lesson) -> QuerySet[Quiz]:
    return lesson.quizzes.filter(archived=False).order_by("position")


def quiz_get(*, lesson: Lesson, quiz_id: str) -> Quiz:
    return get_object_or_404(Quiz, lesson=lesson, quiz_id=quiz_id, archived=False)


def exercise_get(*, slug: str) -> Exercise:
    """A published exercise by slug with its current version (Http404 when missing/archived)."""
    queryset = Exercise.objects.select_related("current_version", "lesson")
    exercise = get_object_or_404(queryset, slug=slug, archived=False)
    if exercise.current_version is not None:
        # The version's content() needs the exercise's slug: hand it the row we already have.
        exercise.current_version.exercise = exercise
    return exercise


def exercise_version_current(*, exercise: Exercise) -> ExerciseVersion:
    return exercise.current_version


def exercise_versions(*, exercise: Exercise) -> QuerySet[ExerciseVersion]:
    return exercise.versions.order_by("-number")
