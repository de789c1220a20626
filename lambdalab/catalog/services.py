"""Writes to the curriculum: sync the lessons tree into the database, publish, export.

`catalog_sync` is idempotent (a second run reports no changes and writes nothing), updates
edited content, archives removed content, and never deletes learner data. It runs in one
transaction on an already validated Catalog, so bad content imports nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max

from lambdalab.catalog import content
from lambdalab.catalog.models import Exercise, ExerciseVersion, Lesson, LessonFile, Quiz

# An exercise block of lesson.md, and the slug it shows.
EXERCISE_REFERENCE = re.compile(r"^```+exercise[ \t]*\n[ \t]*slug:[ \t]*([a-z0-9-]+)", re.M)


@dataclass
class SyncReport:
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def add(self, message: str) -> None:
        self.changes.append(message)


def files_hash(files: Mapping[str, str]) -> str:
    """A digest of a folder's files (paths and bytes), independent of dict order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(json.dumps([path, files[path]]).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@transaction.atomic
def catalog_sync(*, catalog: content.Catalog) -> SyncReport:
    """Make the database match `catalog` (already validated). Returns what changed.

    The folder and the site's authoring tools share the catalog. A lesson or exercise whose
    folder content is unchanged since the last sync keeps whatever the site published since
    (an edited test, a new exercise in a folder lesson); once the folder changes, the folder
    wins, and the site's versions stay in the exercise's history.
    """
    report = SyncReport()
    kept_lessons, kept_exercises = set(), set()
    for lesson in catalog.lessons:
        row = _sync_folder_lesson(lesson, report)
        kept_lessons.add(row.pk)
        for position, exercise in enumerate(lesson.exercises):
            kept_exercises.add(_sync_folder_exercise(exercise, row, position, report).pk)
    # Lessons and exercises authored on the site (origin "web") are not in the folder.
    from_folder = Exercise.objects.filter(origin="lessons")
    _archive(from_folder.exclude(pk__in=kept_exercises), "exercise", report)
    _archive(Lesson.objects.filter(origin="lessons").exclude(pk__in=kept_lessons), "lesson", report)
    return report


def _sync_folder_lesson(lesson: content.Lesson, report: SyncReport) -> Lesson:
    digest = files_hash({**lesson.files, "\0dir_name": lesson.dir_name})
    row = Lesson.objects.filter(slug=lesson.slug, origin="lessons", archived=False).first()
    if row is not None and row.folder_hash == digest:
        return row  # unchanged in the folder: edits made on the site since then stand
    if row is not None:
        lesson = _with_site_exercises(lesson, row, report)
    row = lesson_publish(lesson=lesson, report=report, origin="lessons")
    Lesson.objects.filter(pk=row.pk).update(folder_hash=digest)
    return row


def _with_site_exercises(lesson: content.Lesson, row: Lesson, report: SyncReport):
    """The folder's lesson, still showing the exercises added to it on the site.

    The folder's lesson.md wins, but an exercise an instructor added on the site lives only in
    the database: its reference block is put back at the end, or learners would lose sight of it.
    """
    referenced = {block.data["slug"] for block in lesson.blocks if block.kind == "exercise"}
    site = row.exercises.filter(origin="web", archived=False).order_by("position", "pk")
    missing = [slug for slug in site.values_list("slug", flat=True) if slug not in referenced]
    if not missing:
        return lesson
    text, body = lesson.files.get("lesson.md", ""), lesson.body
    for slug in missing:
        text, body = with_exercise_reference(text, slug), with_exercise_reference(body, slug)
        report.add(f"kept exercise {slug} (added on the site) in {lesson.dir_name}/lesson.md")
    return dataclasses.replace(lesson, body=body, files={**lesson.files, "lesson.md": text})


def with_exercise_reference(text: str, slug: str) -> str:
    """lesson.md text that shows exercise `slug`: unchanged if it already does, else the
    exercise block appended at the end."""
    if slug in EXERCISE_REFERENCE.findall(text):
        return text
    return text.rstrip("\n") + f"\n\n```exercise\nslug: {slug}\n```\n"


def _sync_folder_exercise(
    exercise: content.Exercise, lesson: Lesson, position: int, report: SyncReport
) -> Exercise:
    digest = files_hash(exercise.files)
    row = Exercise.objects.filter(slug=exercise.slug, lesson=lesson, archived=False).first()
    if row is not None and row.folder_hash == digest:
        return row  # unchanged in the folder: a version published on the site since then stands
    row = exercise_publish(
        exercise=exercise, lesson=lesson, position=position, report=report, origin="lessons"
    )
    Exercise.objects.filter(pk=row.pk).update(folder_hash=digest, origin="lessons")
    return row


def _archive(rows: Any, what: str, report: SyncReport) -> None:
    for row in rows.filter(archived=False):
        row.archived = True
        row.save(update_fields=["archived", "updated_at"])
        report.add(f"archived {what} {row.slug}")


def lesson_publish(
    *, lesson: content.Lesson, report: SyncReport | None = None, origin: str = "web"
) -> Lesson:
    """Create or update one lesson, its files and its quizzes from parsed content.

    `origin` is recorded when the lesson is created ("web" for the site's authoring tools);
    catalog_sync passes "lessons", which also claims an existing lesson for the folder.
    """
    report = report if report is not None else SyncReport()
    values = {
        "dir_name": lesson.dir_name,
        "position": lesson.position,
        "title": lesson.title,
        "summary": lesson.summary,
        "objectives": lesson.objectives,
        "minutes": lesson.minutes,
        "prerequisites": lesson.prerequisites,
        "body": lesson.body,
        "archived": False,
    }
    row, created = Lesson.objects.get_or_create(
        slug=lesson.slug, defaults={**values, "origin": origin}
    )
    if origin == "lessons":
        values["origin"] = "lessons"
    if created:
        report.add(f"created lesson {lesson.slug}")
    elif _update(row, values):
        report.add(f"updated lesson {lesson.slug}")
    _sync_lesson_files(row, lesson.files, report)
    _sync_quizzes(row, lesson.quizzes, report)
    return row


def _update(row: Any, values: Mapping[str, Any]) -> bool:
    """Set changed fields only, so an unchanged row is never written."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        update_fields = changed + (["updated_at"] if hasattr(row, "updated_at") else [])
        row.save(update_fields=update_fields)
    return bool(changed)


def _sync_lesson_files(row: Lesson, files: Mapping[str, str], report: SyncReport) -> None:
    existing = {f.path: f for f in row.files.all()}
    for path, text in files.items():
        current = existing.pop(path, None)
        if current is None:
            LessonFile.objects.create(lesson=row, path=path, text=text)
            report.add(f"added {row.dir_name}/{path}")
        elif current.text != text:
            current.text = text
            current.save(update_fields=["text"])
            report.add(f"updated {row.dir_name}/{path}")
    for path, stale in existing.items():
        # Lesson files are authored content, not learner data; the folder no longer has them.
        stale.delete()
        report.add(f"removed {row.dir_name}/{path}")


def _sync_quizzes(row: Lesson, quizzes: Iterable[content.Quiz], report: SyncReport) -> None:
    kept = []
    for position, quiz in enumerate(quizzes):
        values = {
            "kind": quiz.kind,
            "question": quiz.question,
            "options": [
                {"text": o.text, "correct": o.correct, "explanation": o.explanation}
                for o in quiz.options
            ],
            "points": quiz.points,
            "position": position,
            "archived": False,
        }
        quiz_row, created = Quiz.objects.get_or_create(lesson=row, quiz_id=quiz.id, defaults=values)
        if created:
            report.add(f"created quiz {row.slug}/{quiz.id}")
        elif _update(quiz_row, values):
            report.add(f"updated quiz {row.slug}/{quiz.id}")
        kept.append(quiz_row.pk)
    for stale in row.quizzes.exclude(pk__in=kept).filter(archived=False):
        stale.archived = True
        stale.save(update_fields=["archived"])
        report.add(f"archived quiz {row.slug}/{stale.quiz_id}")


def exercise_publish(
    *,
    exercise: content.Exercise,
    lesson: Lesson,
    position: int = 0,
    report: SyncReport | None = None,
    origin: str = "web",
) -> Exercise:
    """Create or update an exercise; any change to its files makes a new ExerciseVersion.

    `origin` is recorded when the exercise is created ("web" for the site's authoring tools).
    """
    report = report if report is not None else SyncReport()
    values = {
        "lesson": lesson,
        "position": position,
        "title": exercise.title,
        "points": float(exercise.points),
        "archived": False,
    }
    row, created = Exercise.objects.get_or_create(
        slug=exercise.slug, defaults={**values, "origin": origin}
    )
    if created:
        report.add(f"created exercise {exercise.slug}")
    elif _update(row, values):
        report.add(f"updated exercise {exercise.slug}")
    _publish_version(row, exercise, report)
    return row


def _publish_version(row: Exercise, exercise: content.Exercise, report: SyncReport) -> None:
    digest = files_hash(exercise.files)
    current = row.current_version
    if current is not None and current.content_hash == digest:
        return
    number = (row.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
    version = ExerciseVersion.objects.create(
        exercise=row,
        number=number,
        content_hash=digest,
        files=dict(exercise.files),
        spec=exercise.spec,
    )
    row.current_version = version
    row.save(update_fields=["current_version", "updated_at"])
    report.add(f"published {exercise.slug} v{number}")


def catalog_export(*, directory: Path | str) -> list[Path]:
    """Write every published lesson back as files, in the authoring format, byte for byte."""
    root = Path(directory)
    written = []
    for rel, text in catalog_files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def catalog_files() -> dict[str, str]:
    """{path relative to the lessons root: text} for every non-archived lesson and exercise."""
    files: dict[str, str] = {}
    for lesson in Lesson.objects.filter(archived=False).prefetch_related("files"):
        for lesson_file in lesson.files.all():
            files[f"{lesson.dir_name}/{lesson_file.path}"] = lesson_file.text
        exercises = lesson.exercises.filter(archived=False).select_related("current_version")
        for exercise in exercises:
            for path, text in exercise.current_version.files.items():
                files[f"{lesson.dir_name}/exercises/{exercise.slug}/{path}"] = text
    return files
