"""Lessons in the browser: Markdown with live preview, quizzes, publishing, export and import."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from lambdalab.authoring.models import ExerciseDraft, LessonDraft, ValidationStatus
from lambdalab.catalog.models import Lesson, Quiz
from lambdalab.catalog.services import catalog_files
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _open_lesson_edit(client, lesson) -> LessonDraft:
    """The instructor opens "Edit lesson" on a published lesson: their draft of it."""
    client.get(reverse("authoring_lesson_edit_published", args=[lesson.slug]))
    return LessonDraft.objects.get(lesson=lesson)


def test_live_preview_renders_markdown_without_the_front_matter_or_scripts(instructor):
    text = "---\ntitle: T\n---\n## Cold starts\n\nThey are **slow**.<script>alert(1)</script>"

    response = client_for(instructor).post(reverse("authoring_lesson_preview"), {"text": text})

    html = response.content.decode()
    assert "<h2" in html and "Cold starts" in html and "<strong>slow</strong>" in html
    assert "title: T" not in html and "<script>" not in html


def test_the_preview_shows_a_published_lessons_diagrams_from_its_files(lesson, instructor):
    client = client_for(instructor)
    draft = _open_lesson_edit(client, lesson)
    text = "## Flow\n\n![The flow](diagrams/flow.svg)\n\n![Remote](https://example.com/a.png)\n"
    asset = reverse("lesson_asset", args=[lesson.slug, "diagrams/flow.svg"])

    live = client.post(reverse("authoring_lesson_preview"), {"text": text, "lesson": lesson.slug})
    page = client.get(draft.get_absolute_url()).content.decode()

    assert f'src="{asset}"' in live.content.decode()
    assert 'src="https://example.com/a.png"' in live.content.decode()
    assert f'hx-vals=\'{{"lesson": "{lesson.slug}"}}\'' in page


def test_a_new_lesson_starts_from_a_valid_template_and_publishes(instructor):
    client = client_for(instructor)

    response = client.post(reverse("authoring_lesson_new"), {"dir_name": "07-step-functions"})
    draft = LessonDraft.objects.get()
    assert response["Location"] == draft.get_absolute_url() and draft.problems == []

    client.post(reverse("authoring_lesson_publish", args=[draft.pk]))

    lesson = Lesson.objects.get(slug="step-functions")
    assert (lesson.position, lesson.title, lesson.archived) == (7, "Step functions", False)


def test_a_quiz_added_in_the_form_becomes_a_quiz_of_the_published_lesson(lesson, instructor):
    client = client_for(instructor)
    draft_url = client.get(reverse("authoring_lesson_edit_published", args=[lesson.slug]))[
        "Location"
    ]
    draft = LessonDraft.objects.get()

    client.post(
        reverse("authoring_quiz_add", args=[draft.pk]),
        {
            "quiz_id": "billing",
            "kind": "single",
            "question": "When does Lambda bill?",
            "options": "* Per request and per ms | Requests and GB-seconds.\n"
            "- Per hour | That is EC2.",
        },
    )
    client.post(reverse("authoring_lesson_publish", args=[draft.pk]))

    quiz = Quiz.objects.get(lesson=lesson, quiz_id="billing")
    assert quiz.correct_indexes == [0] and quiz.options[1]["explanation"] == "That is EC2."
    assert b"When does Lambda bill?" in client.get(draft_url).content


def test_publish_saves_what_is_in_the_editor_first(lesson, instructor):
    """The author types and presses Publish straight away, without Save draft."""
    client = client_for(instructor)
    draft = _open_lesson_edit(client, lesson)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert (
        'form="lesson-form" formaction="' + reverse("authoring_lesson_publish", args=[draft.pk])
        in page
    )
    typed = draft.text.replace("minutes: 5", "minutes: 7") + "\nA paragraph typed just now.\n"

    client.post(reverse("authoring_lesson_publish", args=[draft.pk]), {"text": typed})

    lesson.refresh_from_db()
    assert lesson.minutes == 7
    student_page = client.get(lesson.get_absolute_url()).content.decode()
    assert "A paragraph typed just now." in student_page


def test_publish_with_a_broken_editor_text_keeps_it_as_a_draft_and_publishes_nothing(
    lesson, instructor
):
    client = client_for(instructor)
    draft = _open_lesson_edit(client, lesson)
    broken = draft.text.replace("minutes: 5", "minutes: soon")

    response = client.post(
        reverse("authoring_lesson_publish", args=[draft.pk]), {"text": broken}, follow=True
    )

    assert "Saved as a draft, but not published" in response.content.decode()
    draft.refresh_from_db()
    lesson.refresh_from_db()
    assert draft.text == broken and lesson.minutes == 5


def test_a_lesson_with_a_broken_front_matter_shows_file_and_line_and_is_not_published(
    lesson, instructor
):
    client = client_for(instructor)
    draft = _open_lesson_edit(client, lesson)
    broken = draft.text.replace("minutes: 5", "minutes: soon")

    page = client.post(draft.get_absolute_url(), {"text": broken}, follow=True).content.decode()
    client.post(reverse("authoring_lesson_publish", args=[draft.pk]))

    assert "lesson.md:" in page and "minutes" in page
    lesson.refresh_from_db()
    assert lesson.minutes == 5


def test_export_gives_the_lesson_folder_byte_for_byte(lesson, instructor):
    response = client_for(instructor).get(reverse("authoring_lesson_export", args=[lesson.slug]))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    exported = {name: archive.read(name).decode() for name in archive.namelist()}
    assert exported == {p: t for p, t in catalog_files().items() if p.startswith("90-doubling/")}
    assert "90-doubling/exercises/double-it/exercise.yaml" in exported


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buffer.getvalue()


def test_importing_an_exported_lesson_under_a_new_name_makes_drafts_to_validate(
    lesson, instructor, django_capture_on_commit_callbacks, monkeypatch
):
    from lambdalab.authoring import tasks

    sent = []
    monkeypatch.setattr(
        tasks.validate_exercise_draft, "apply_async", lambda a, queue: sent.append(a[0])
    )
    exported = {p.replace("90-doubling", "91-tripling"): t for p, t in catalog_files().items()}
    exported = {
        p.replace("double-it", "triple-it"): t.replace("slug: doubling", "slug: tripling").replace(
            "double-it", "triple-it"
        )
        for p, t in exported.items()
    }

    with django_capture_on_commit_callbacks(execute=True):
        client_for(instructor).post(
            reverse("authoring_lesson_import"), {"archive": _upload(exported)}
        )

    new = Lesson.objects.get(slug="tripling")
    draft = ExerciseDraft.objects.get(slug="triple-it")
    assert new.archived  # hidden from students until its exercise is validated and published
    assert draft.lesson == new and draft.validation_status == ValidationStatus.QUEUED
    assert sent == [draft.pk]


def _upload(files: dict[str, str]):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("lesson.zip", _zip(files), content_type="application/zip")


def test_importing_a_broken_lesson_imports_nothing_and_says_where(instructor):
    files = {"92-broken/lesson.md": "---\ntitle: Broken\n---\n"}

    response = client_for(instructor).post(
        reverse("authoring_lesson_import"), {"archive": _upload(files)}, follow=True
    )

    assert b"Not imported" in response.content and b"92-broken/lesson.md" in response.content
    assert not Lesson.objects.filter(dir_name="92-broken").exists()


@pytest.mark.root
def test_an_imported_lesson_goes_live_as_written_once_its_exercise_passes_validation(
    lesson, instructor, student, runtime, django_capture_on_commit_callbacks, monkeypatch
):
    from lambdalab.authoring import services, tasks

    monkeypatch.setattr(tasks.validate_exercise_draft, "apply_async", lambda a, queue: None)
    exported = {
        p.replace("90-doubling", "91-tripling").replace("double-it", "triple-it"): t.replace(
            "slug: doubling", "slug: tripling"
        ).replace("double-it", "triple-it")
        for p, t in catalog_files().items()
    }
    client = client_for(instructor)
    client.post(reverse("authoring_lesson_import"), {"archive": _upload(exported)})
    draft = ExerciseDraft.objects.get(slug="triple-it")
    services.exercise_draft_validate(draft_id=draft.pk, runtime=runtime)

    client.post(reverse("authoring_exercise_publish", args=[draft.pk]))

    new = Lesson.objects.get(slug="tripling")
    assert not new.archived
    assert new.files.get(path="lesson.md").text == exported["91-tripling/lesson.md"]
    assert [e.slug for e in new.content().exercises] == ["triple-it"]
    assert client_for(student).get(new.get_absolute_url()).status_code == 200


def test_preview_shows_quiz_and_exercise_blocks_as_cards_not_yaml(instructor):
    text = (
        "## Try it\n\n```quiz\nid: q\nquestion: Which is cheaper?\n```\n\n"
        "```exercise\nslug: x-y\n```\n"
    )

    html = client_for(instructor).post(reverse("authoring_lesson_preview"), {"text": text})

    content = html.content.decode()
    assert "<strong>Quiz:</strong> Which is cheaper?" in content
    assert "<strong>Exercise:</strong> x-y" in content and "id: q" not in content
