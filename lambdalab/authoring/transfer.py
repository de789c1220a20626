"""Export a lesson as a zip in the `lessons/` format, and import one from such a zip.

An import never publishes an exercise directly: each becomes a draft that is validated in the
runtime like any other save, and a new lesson stays hidden (archived) until its exercises are
published.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from django.db import transaction

from lambdalab.authoring.models import ExerciseDraft, LessonDraft
from lambdalab.authoring.services import AuthoringError, _problems, exercise_draft_save
from lambdalab.catalog.content import parse_lesson
from lambdalab.catalog.models import Lesson
from lambdalab.catalog.services import catalog_files, files_hash, lesson_publish
from lambdalab.catalog.yamlsource import ContentError

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def lesson_export_zip(*, lesson: Lesson) -> bytes:
    """The lesson folder (lesson.md, diagrams, every published exercise) as a zip, verbatim."""
    prefix = f"{lesson.dir_name}/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(catalog_files().items()):
            if path.startswith(prefix):
                archive.writestr(path, text.encode("utf-8"))
    return buffer.getvalue()


def _read_zip(data: bytes) -> tuple[str, dict[str, str]]:
    if len(data) > MAX_IMPORT_BYTES:
        raise AuthoringError("That file is over 5 MB; a lesson folder is much smaller.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise AuthoringError("That is not a zip file. Upload a zipped lesson folder.") from exc
    names = [n for n in archive.namelist() if not n.endswith("/") and "__pycache__" not in n]
    tops = {PurePosixPath(n).parts[0] for n in names}
    if len(tops) != 1 or any(".." in PurePosixPath(n).parts for n in names):
        raise AuthoringError("The zip must hold exactly one lesson folder, e.g. 05-queues/.")
    dir_name = tops.pop()
    try:
        files = {n[len(dir_name) + 1 :]: archive.read(n).decode("utf-8") for n in names}
    except UnicodeDecodeError as exc:
        raise AuthoringError("Every file in a lesson must be UTF-8 text.") from exc
    return dir_name, files


@transaction.atomic
def lesson_import(*, author, data: bytes) -> LessonDraft:
    """Check the zipped folder's format (file:line errors), then make drafts of what it holds."""
    dir_name, files = _read_zip(data)
    try:
        parsed = parse_lesson(dir_name, files)
    except ContentError as error:
        raise AuthoringError("; ".join(_problems(error))) from error
    lesson = Lesson.objects.filter(slug=parsed.slug).first()
    if lesson is not None and lesson.dir_name != dir_name:
        raise AuthoringError(
            f"Lesson {parsed.slug!r} lives in {lesson.dir_name}/, not {dir_name}/."
        )
    if lesson is None:
        lesson = _hidden_lesson(parsed)
    for exercise in parsed.exercises:
        _exercise_draft(author, lesson, exercise.slug, dict(exercise.files))
    draft, _ = LessonDraft.objects.update_or_create(
        author=author, lesson=lesson, defaults={"dir_name": dir_name, "text": files["lesson.md"]}
    )
    return draft


def _hidden_lesson(parsed) -> Lesson:
    """Create the lesson without its exercise references, archived until they are published."""
    lesson = lesson_publish(lesson=_without_exercises(parsed))
    Lesson.objects.filter(pk=lesson.pk).update(archived=True)
    lesson.refresh_from_db()
    return lesson


def _without_exercises(parsed):
    import dataclasses
    import re

    text = re.sub(
        r"\n?```+exercise[ \t]*\n.*?\n```+[ \t]*\n?", "\n", parsed.files["lesson.md"], flags=re.S
    )
    return dataclasses.replace(parsed, files={**parsed.files, "lesson.md": text}, exercises=[])


def _exercise_draft(author, lesson: Lesson, slug: str, files: dict[str, str]) -> None:
    published = lesson.exercises.filter(slug=slug).select_related("current_version").first()
    if published is not None and published.current_version.content_hash == files_hash(files):
        return  # unchanged: nothing to validate or publish
    draft = ExerciseDraft.objects.filter(author=author, slug=slug).first()
    if draft is None:
        draft = ExerciseDraft(author=author, lesson=lesson, slug=slug)
        if published is not None:
            draft.published_version = published.current_version
    exercise_draft_save(draft=draft, files=files)
