"""Authoring: save drafts, validate them in the real runtime, publish through the catalog.

Validate on save: every save queues a validation (the reference solution must pass every test,
the starter and each known-wrong solution must fail one), run by a thin task on the
`interactive` queue with an atomic claim. Publishing refuses anything whose current files have
not passed. The catalog's `exercise_publish` makes a new ExerciseVersion when the files change.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import asdict
from typing import Any

from django.db import transaction

from lambdalab.authoring.models import ExerciseDraft, LessonDraft, ValidationStatus
from lambdalab.catalog.content import parse_lesson
from lambdalab.catalog.exercise_loader import parse_exercise
from lambdalab.catalog.models import Exercise, Lesson
from lambdalab.catalog.services import (
    EXERCISE_REFERENCE,
    exercise_publish,
    files_hash,
    lesson_publish,
    with_exercise_reference,
)
from lambdalab.catalog.yamlsource import ContentError

logger = logging.getLogger(__name__)
# Only to find which drafts to publish together; parse_lesson is the authority on the format.


class AuthoringError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _problems(error: ContentError) -> list[str]:
    return [str(p) for p in error.problems]


def _exercise_base(draft: ExerciseDraft) -> str:
    return f"lessons/{draft.lesson.dir_name}/exercises/{draft.slug}"


# --- exercises ---------------------------------------------------------------------------------


def exercise_draft_create(
    *, author, lesson: Lesson, slug: str, files: dict[str, str]
) -> ExerciseDraft:
    if Exercise.objects.filter(slug=slug).exists():
        raise AuthoringError(f"An exercise called {slug!r} already exists; edit it instead.")
    draft = ExerciseDraft.objects.create(author=author, lesson=lesson, slug=slug)
    return exercise_draft_save(draft=draft, files=files)


def exercise_draft_from_published(*, author, exercise: Exercise) -> ExerciseDraft:
    """A draft of a published exercise (the author's open one, if they already have it)."""
    version = exercise.current_version
    existing = ExerciseDraft.objects.filter(author=author, slug=exercise.slug).first()
    if existing is not None:
        return existing
    draft = ExerciseDraft.objects.create(
        author=author,
        lesson=exercise.lesson,
        slug=exercise.slug,
        files=dict(version.files),
        files_hash=version.content_hash,
        published_version=version,
    )
    return draft


def exercise_draft_save(*, draft: ExerciseDraft, files: dict[str, str]) -> ExerciseDraft:
    """Store the files, check their format (file:line errors), and queue validation if valid."""
    draft.files = files
    draft.files_hash = files_hash(files)
    try:
        parse_exercise(draft.slug, files, base=_exercise_base(draft))
        draft.problems = []
    except ContentError as error:
        draft.problems = _problems(error)
    with transaction.atomic():
        if draft.problems:
            draft.validation_status = ValidationStatus.NONE
            draft.validation_rows = []
        else:
            draft.validation_status = ValidationStatus.QUEUED
        draft.save()
        if not draft.problems:
            draft_id = draft.pk
            transaction.on_commit(lambda: _enqueue_validation(draft_id))
    return draft


def _enqueue_validation(draft_id: int) -> None:
    from lambdalab.authoring import tasks

    tasks.validate_exercise_draft.apply_async([draft_id], queue="interactive")


def exercise_draft_validate(*, draft_id: int, runtime: Any = None) -> bool:
    """Run the draft's solution, starter and wrong solutions through the real runtime.

    Idempotent: returns False when the draft is not queued (another delivery has it). Results
    are written only if the files did not change meanwhile; otherwise the newer save's own
    validation is already queued.
    """
    token = str(uuid.uuid4())
    if not ExerciseDraft.objects.filter(
        pk=draft_id, validation_status=ValidationStatus.QUEUED
    ).update(validation_status=ValidationStatus.RUNNING, claim_token=token):
        return False
    draft = ExerciseDraft.objects.select_related("lesson").get(pk=draft_id)
    rows = _validate(draft, runtime)
    ExerciseDraft.objects.filter(
        pk=draft_id, claim_token=token, files_hash=draft.files_hash
    ).update(
        validation_status=ValidationStatus.FINISHED,
        validation_rows=rows,
        validated_hash=draft.files_hash,
    )
    return True


def _validate(draft: ExerciseDraft, runtime: Any) -> list[dict[str, Any]]:
    from lambdalab.catalog.validate import validate_exercise
    from lambdalab.submissions import sandbox

    exercise = parse_exercise(draft.slug, draft.files, base=_exercise_base(draft))
    try:
        rows = validate_exercise(
            exercise, runtime=runtime or sandbox.get_runtime(), owner=f"author-{draft.author_id}"
        )
    except Exception as exc:  # the sandbox itself failed: show it, do not pretend it passed
        logger.exception("validating draft %s", draft.pk)
        return [
            {
                "variant": "all",
                "expected": "",
                "score": 0,
                "status": "error",
                "ok": False,
                "detail": f"LambdaLab could not run the validation: {exc}",
            }
        ]
    return [{k: v for k, v in asdict(row).items() if k != "exercise"} for row in rows]


@transaction.atomic
def exercise_draft_publish(*, draft: ExerciseDraft):
    """Publish a validated draft: the lesson references it, and a new version holds its files."""
    draft = ExerciseDraft.objects.select_for_update().select_related("lesson").get(pk=draft.pk)
    if not draft.validation_passed:
        raise AuthoringError(
            "This exercise cannot be published until its validation passes: the reference "
            "solution must pass every test and the starter and wrong solutions must fail one."
        )
    lesson = draft.lesson
    files = _lesson_files(lesson, draft)
    try:
        parsed = parse_lesson(lesson.dir_name, files)
    except ContentError as error:
        raise AuthoringError("; ".join(_problems(error))) from error
    row = lesson_publish(lesson=parsed)
    exercise = None
    for position, content in enumerate(parsed.exercises):
        published = exercise_publish(exercise=content, lesson=row, position=position)
        ExerciseDraft.objects.filter(
            lesson=lesson,
            author=draft.author,
            slug=content.slug,
            files_hash=files_hash(content.files),
        ).update(published_version=published.current_version)
        if content.slug == draft.slug:
            exercise = published
    for lesson_draft in LessonDraft.objects.filter(lesson=lesson):
        # Open edits of the lesson reference the new exercise too, or saving one would report
        # it "never referenced" (and a publish would drop it from the lesson).
        text = with_exercise_reference(lesson_draft.text, draft.slug)
        if text != lesson_draft.text:
            lesson_draft_save(draft=lesson_draft, text=text)
    LessonDraft.objects.filter(lesson=lesson, author=draft.author, text=files["lesson.md"]).update(
        published_text=files["lesson.md"]
    )
    return exercise


def _lesson_files(lesson: Lesson, draft: ExerciseDraft) -> dict[str, str]:
    """The whole lesson folder with this draft in it, referenced from lesson.md.

    Exercises the lesson references but nobody published yet (an imported lesson) come from
    the author's validated drafts and are published together with this one.
    """
    files = {f.path: f.text for f in lesson.files.all()}
    for other in lesson.exercises.filter(archived=False).exclude(slug=draft.slug):
        for path, text in other.current_version.files.items():
            files[f"exercises/{other.slug}/{path}"] = text
    imported = _imported_lesson_text(lesson, draft.author)
    files["lesson.md"] = with_exercise_reference(imported or files.get("lesson.md", ""), draft.slug)
    published = set(lesson.exercises.filter(archived=False).values_list("slug", flat=True))
    for sibling in _unpublished_references(files["lesson.md"], published, draft):
        if not sibling.validation_passed:
            raise AuthoringError(
                f"The lesson also needs exercise {sibling.slug!r}, whose validation has not "
                "passed yet; fix it first, then publish."
            )
        for path, text in sibling.files.items():
            files[f"exercises/{sibling.slug}/{path}"] = text
    for path, text in draft.files.items():
        files[f"exercises/{draft.slug}/{path}"] = text
    return files


def _imported_lesson_text(lesson: Lesson, author) -> str | None:
    """An imported lesson stays hidden until its exercises are published; the first publish
    takes its lesson.md as imported (with every exercise block where the author put it)."""
    if not lesson.archived:
        return None
    lesson_draft = LessonDraft.objects.filter(lesson=lesson, author=author).first()
    return lesson_draft.text if lesson_draft is not None else None


def _unpublished_references(text: str, published: set[str], draft: ExerciseDraft):
    wanted = set(EXERCISE_REFERENCE.findall(text)) - published - {draft.slug}
    drafts = ExerciseDraft.objects.filter(lesson=draft.lesson, author=draft.author, slug__in=wanted)
    return list(drafts)


# --- lessons -----------------------------------------------------------------------------------


def lesson_draft_save(*, draft: LessonDraft, text: str) -> LessonDraft:
    draft.text = text.replace("\r\n", "\n")
    draft.problems = lesson_problems(dir_name=draft.dir_name, text=draft.text, lesson=draft.lesson)
    draft.save()
    return draft


def lesson_problems(*, dir_name: str, text: str, lesson: Lesson | None) -> list[str]:
    try:
        parse_lesson(dir_name, _lesson_tree(lesson, text))
    except ContentError as error:
        return _problems(error)
    return []


def _lesson_tree(lesson: Lesson | None, text: str) -> dict[str, str]:
    files: dict[str, str] = {}
    if lesson is not None:
        files = {f.path: f.text for f in lesson.files.all()}
        for exercise in lesson.exercises.filter(archived=False).select_related("current_version"):
            for path, body in exercise.current_version.files.items():
                files[f"exercises/{exercise.slug}/{path}"] = body
    files["lesson.md"] = text
    return files


def lesson_draft_from_published(*, author, lesson: Lesson) -> LessonDraft:
    text = lesson.files.get(path="lesson.md").text
    existing = LessonDraft.objects.filter(author=author, lesson=lesson).first()
    if existing is not None:
        return existing
    return LessonDraft.objects.create(
        author=author, lesson=lesson, dir_name=lesson.dir_name, text=text, published_text=text
    )


@transaction.atomic
def lesson_draft_publish(*, draft: LessonDraft) -> Lesson:
    """Publish lesson.md (and its quizzes); exercises are published one by one, validated."""
    try:
        parsed = parse_lesson(draft.dir_name, _lesson_tree(draft.lesson, draft.text))
    except ContentError as error:
        raise AuthoringError("; ".join(_problems(error))) from error
    if draft.lesson is None and Lesson.objects.filter(slug=parsed.slug).exists():
        raise AuthoringError(f"A lesson with the slug {parsed.slug!r} already exists.")
    row = lesson_publish(lesson=parsed)
    draft.lesson, draft.published_text = row, draft.text
    draft.save(update_fields=["lesson", "published_text", "updated_at"])
    return row


def lesson_quiz_append(*, draft: LessonDraft, quiz: dict[str, Any]) -> LessonDraft:
    """Add a quiz block at the end of the draft (authors can move it in the editor)."""
    import yaml

    block = yaml.safe_dump(quiz, sort_keys=False, allow_unicode=True, width=100)
    text = draft.text.rstrip("\n") + f"\n\n```quiz\n{block}```\n"
    return lesson_draft_save(draft=draft, text=text)


def lesson_preview_html(*, text: str, lesson: Lesson | None = None) -> str:
    """The Markdown after the front matter, rendered and sanitised as students will see it;
    images come from the published `lesson`'s files, as on its page."""
    from django.urls import reverse

    from lambdalab.catalog.render import render_markdown, with_asset_urls

    body = text.replace("\r\n", "\n")
    if body.startswith("---\n"):
        end = body.find("\n---", 4)
        body = body[end + 4 :] if end != -1 else ""
    rendered = render_markdown(PREVIEW_BLOCK.sub(_block_placeholder, body))
    if lesson is None:
        return rendered
    return with_asset_urls(rendered, lambda path: reverse("lesson_asset", args=[lesson.slug, path]))


# Quiz, exercise and widget blocks are previewed as a one-line card, not as raw YAML.
PREVIEW_BLOCK = re.compile(r"^```+(quiz|exercise|widget)[ \t]*\n(.*?)^```+[ \t]*$", re.M | re.S)


def _block_placeholder(match: re.Match) -> str:
    import yaml

    kind, source = match.group(1), match.group(2)
    try:
        data = yaml.safe_load(source) or {}
    except yaml.YAMLError:
        data = {}
    data = data if isinstance(data, dict) else {}
    label = data.get("question") or data.get("slug") or data.get("name") or "(not valid YAML yet)"
    return f"> **{kind.capitalize()}:** {label}\n"


NEW_LESSON = """\
---
title: {title}
slug: {slug}
summary: One or two sentences on what this lesson teaches.
objectives:
  - Something the learner will be able to do
minutes: 20
prerequisites: []
---
## Introduction

Write the lesson here.
"""


def lesson_draft_create(*, author, dir_name: str) -> LessonDraft:
    slug = dir_name.split("-", 1)[1]
    if (
        Lesson.objects.filter(slug=slug).exists()
        or Lesson.objects.filter(dir_name=dir_name).exists()
    ):
        raise AuthoringError(f"A lesson {slug!r} already exists; edit it instead.")
    text = NEW_LESSON.format(title=slug.replace("-", " ").capitalize(), slug=slug)
    draft = LessonDraft(author=author, dir_name=dir_name)
    return lesson_draft_save(draft=draft, text=text)
