"""The curriculum in the database: lessons, quizzes, exercises and their immutable versions.

The source files (lesson.md, exercise.yaml, code, SVG) are stored as written, so export gives
the same bytes back; the other columns are derived from them at sync time for queries and
pages. Nothing is ever deleted by a sync: removed content is archived.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from django.db import models
from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:
    from lambdalab.catalog import content


# Parsing a lesson takes tens of milliseconds; the same stored files always parse the same.
_PARSED_LESSONS: dict[tuple[str, str], content.Lesson] = {}
# Parsing an exercise takes ~5 ms, on every Submit and again in the worker: keep the last few per
# process, keyed by what the parse reads (the slug and a digest of the very files parsed), so an
# edited or newly published version can never be answered from an older parse.
_PARSED_EXERCISES: OrderedDict[tuple[str, str], content.Exercise] = OrderedDict()
_PARSED_EXERCISES_LIMIT = 128
_parsed_exercises_lock = threading.Lock()


class FolderSynced(models.Model):
    """Content that either the lessons/ folder or the site's authoring pages may write."""

    origin = models.CharField(
        max_length=10,
        choices=[("lessons", "the lessons/ folder"), ("web", "authored on the site")],
        default="lessons",
        help_text="where it was created: sync_lessons archives only what came from the folder",
    )
    folder_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="digest of its folder content at the last sync: while the folder keeps that "
        "unchanged, what the site published since stands",
    )

    class Meta:
        abstract = True


class Lesson(FolderSynced):
    slug = models.SlugField(max_length=80, unique=True)
    dir_name = models.CharField(max_length=120, help_text="Folder name in lessons/, e.g. 01-intro")
    position = models.PositiveIntegerField(help_text="The folder's numeric prefix")
    title = models.CharField(max_length=200)
    summary = models.TextField()
    objectives = models.JSONField(default=list)
    minutes = models.PositiveIntegerField()
    prerequisites = models.JSONField(default=list, help_text="Lesson slugs")
    body = models.TextField(help_text="lesson.md after the front matter")
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "dir_name"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        try:
            return reverse("lesson-detail", kwargs={"slug": self.slug})
        except NoReverseMatch:  # the lesson pages are wired by the web app
            return f"/lessons/{self.slug}/"

    def content(self) -> content.Lesson:
        """The parsed lesson (with its current exercises), rebuilt from the stored files."""
        from lambdalab.catalog.content import parse_lesson
        from lambdalab.catalog.services import files_hash

        files = {f.path: f.text for f in self.files.all()}
        for exercise in self.exercises.filter(archived=False).select_related("current_version"):
            for path, text in exercise.current_version.files.items():
                files[f"exercises/{exercise.slug}/{path}"] = text
        key = (self.dir_name, files_hash(files))
        if key not in _PARSED_LESSONS:
            if len(_PARSED_LESSONS) >= 64:
                _PARSED_LESSONS.pop(next(iter(_PARSED_LESSONS)))
            _PARSED_LESSONS[key] = parse_lesson(self.dir_name, files)
        return _PARSED_LESSONS[key]


class LessonFile(models.Model):
    """A file of the lesson folder outside exercises/ (lesson.md, diagrams/*.svg ...), verbatim."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=300)
    text = models.TextField()

    class Meta:
        ordering = ["lesson", "path"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "path"], name="catalog_lessonfile_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lesson.dir_name}/{self.path}"


class Quiz(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="quizzes")
    quiz_id = models.SlugField(max_length=80)
    kind = models.CharField(max_length=10, choices=[("single", "single"), ("multiple", "multiple")])
    question = models.TextField()
    options = models.JSONField(help_text="[{text, correct, explanation}]")
    points = models.PositiveIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["lesson", "position"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.UniqueConstraint(fields=["lesson", "quiz_id"], name="catalog_quiz_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lesson.slug}/{self.quiz_id}"

    @property
    def correct_indexes(self) -> list[int]:
        return [i for i, option in enumerate(self.options) if option.get("correct")]


class Exercise(FolderSynced):
    """An exercise's identity (its slug); what it asks and checks lives in its versions."""

    slug = models.SlugField(max_length=80, unique=True)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="exercises")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    points = models.FloatField(default=0)
    archived = models.BooleanField(default=False)
    current_version = models.ForeignKey(
        "ExerciseVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lesson", "position"]

    def __str__(self) -> str:
        return self.title


class ExerciseVersion(models.Model):
    """One immutable snapshot of an exercise folder; submissions point at the version they ran."""

    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    files = models.JSONField(help_text="{path relative to the exercise folder: text}")
    spec = models.JSONField(help_text="exercise.yaml as parsed")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exercise", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "number"], name="catalog_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.exercise.slug} v{self.number}"

    def content(self) -> content.Exercise:
        """The parsed exercise of this version (for grading and pages).

        Each row object gets its own copy (the Exercise dataclass is mutable); the parse itself
        is shared by the process. Load the row with its exercise (``select_related``) and this
        costs no query.
        """
        cached = getattr(self, "_content", None)
        if cached is None:
            cached = self._content = copy.deepcopy(self._parsed())
        return cached

    def _parsed(self) -> content.Exercise:
        from lambdalab.catalog.exercise_loader import parse_exercise
        from lambdalab.catalog.services import files_hash

        # The parse depends on the slug and the files only (the folder path names problems,
        # and a parse with problems raises, so it is never kept).
        key = (self.exercise.slug, files_hash(self.files))
        with _parsed_exercises_lock:
            parsed = _PARSED_EXERCISES.get(key)
            if parsed is not None:
                _PARSED_EXERCISES.move_to_end(key)
                return parsed
        base = f"lessons/{self.exercise.lesson.dir_name}/exercises/{self.exercise.slug}"
        parsed = parse_exercise(self.exercise.slug, self.files, base=base)
        with _parsed_exercises_lock:
            _PARSED_EXERCISES[key] = parsed
            while len(_PARSED_EXERCISES) > _PARSED_EXERCISES_LIMIT:
                _PARSED_EXERCISES.popitem(last=False)
        return parsed

    @property
    def visible_tests(self) -> list[dict[str, Any]]:
        return [t for t in self.spec.get("tests", []) if t.get("visible")]
