"""An instructor writes an exercise in the browser; each save is validated in the real sandbox."""

from __future__ import annotations

import textwrap

import pytest
from django.urls import reverse

from lambdalab.authoring import services
from lambdalab.authoring.models import ExerciseDraft, LessonDraft, ValidationStatus
from lambdalab.catalog.models import Exercise
from tests.conftest import client_for
from tests.courses.builders import ADDS_TWO, DOUBLE, STARTER, TEST_N2, TEST_N3, exercise_yaml

pytestmark = pytest.mark.django_db


def _form(**changes) -> dict[str, str]:
    data = {
        "slug": "double-again",
        "title": "Double again",
        "prompt": "Return the number `n`, doubled.",
        "handler": "lambda_function.lambda_handler",
        "points": "10",
        "memory": "128",
        "timeout": "10",
        "environment": "",
        "tests": "- name: doubles two\n  visible: true\n  event: {n: 2}\n  checks:\n"
        "    - returns: {double: 4}\n",
        "fixtures": "",
        "starter": STARTER,
        "solution": DOUBLE,
        "wrong-TOTAL_FORMS": "1",
        "wrong-INITIAL_FORMS": "0",
        "wrong-MIN_NUM_FORMS": "0",
        "wrong-MAX_NUM_FORMS": "20",
        "wrong-0-name": "adds-two",
        "wrong-0-why": "adds two instead of doubling",
        "wrong-0-code": ADDS_TWO,
    }
    data.update(changes)
    return data


def _validate(draft: ExerciseDraft, runtime) -> ExerciseDraft:
    assert services.exercise_draft_validate(draft_id=draft.pk, runtime=runtime) is True
    draft.refresh_from_db()
    return draft


@pytest.mark.root
def test_a_broken_exercise_is_saved_but_its_table_shows_why_and_it_cannot_be_published(
    lesson, instructor, runtime, validations, django_capture_on_commit_callbacks
):
    client = client_for(instructor)
    # The wrong solution "adds two" passes when the only test uses n=2: the tests are too weak.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("authoring_exercise_new", args=[lesson.slug]), _form())
    draft = ExerciseDraft.objects.get(slug="double-again")
    assert response.status_code == 302 and validations == [(draft.pk, "interactive")]

    draft = _validate(draft, runtime)

    rows = {row["variant"]: row for row in draft.validation_rows}
    assert rows["solution"]["ok"] and rows["starter"]["ok"]
    assert (
        not rows["wrong/adds-two"]["ok"] and rows["wrong/adds-two"]["detail"] == "passes every test"
    )
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Validation failed: this exercise cannot be published" in page
    assert 'id="publish-button" disabled' in page
    refused = client.post(reverse("authoring_exercise_publish", args=[draft.pk]), follow=True)
    assert b"Not published" in refused.content
    assert not Exercise.objects.filter(slug="double-again").exists()


@pytest.mark.root
def test_a_reference_solution_that_fails_its_own_tests_is_reported_with_the_failing_test(
    lesson, instructor, runtime, validations
):
    draft = services.exercise_draft_create(
        author=instructor,
        lesson=lesson,
        slug="off-by-one",
        files={
            "exercise.yaml": exercise_yaml(TEST_N2),
            "starter/lambda_function.py": STARTER,
            "solution/lambda_function.py": ADDS_TWO.replace("+ 2", "+ 3"),
            "wrong/triples/lambda_function.py": ADDS_TWO,
        },
    )

    draft = _validate(draft, runtime)

    solution = next(r for r in draft.validation_rows if r["variant"] == "solution")
    assert not solution["ok"] and "doubles two" in solution["detail"]
    assert not draft.validation_passed


def test_format_errors_point_at_the_yaml_line_and_skip_the_sandbox(lesson, instructor, validations):
    client = client_for(instructor)
    tests = (
        "- name: doubles two\n  visible: true\n  event: {n: 2}\n"
        "  checks:\n    - retrns: {double: 4}\n"
    )

    client.post(reverse("authoring_exercise_new", args=[lesson.slug]), _form(tests=tests))

    draft = ExerciseDraft.objects.get(slug="double-again")
    assert draft.validation_status == ValidationStatus.NONE and validations == []
    assert any("exercise.yaml:" in p and "retrns" in p for p in draft.problems)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "retrns" in page and 'id="publish-button" disabled' in page


@pytest.mark.root
def test_publishing_makes_a_version_and_changing_the_tests_makes_the_next_one(
    doubling, instructor, runtime, validations, django_capture_on_commit_callbacks
):
    client = client_for(instructor)
    edit = client.get(reverse("authoring_exercise_edit_published", args=[doubling.slug]))
    draft = ExerciseDraft.objects.get(slug=doubling.slug)
    assert edit.status_code == 302 and draft.is_published  # unchanged so far

    assert "doubles two" in client.get(draft.get_absolute_url()).context["form"].initial["tests"]
    form = _form(
        tests=textwrap.dedent(TEST_N2 + TEST_N3),
        **{
            "wrong-0-name": "triples",
            "wrong-0-why": "triples",
            "wrong-0-code": "def lambda_handler(e, c):\n    return {'double': e['n'] * 3}\n",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(draft.get_absolute_url(), form)
    draft.refresh_from_db()
    assert not draft.is_published and draft.validation_status == ValidationStatus.QUEUED
    draft = _validate(draft, runtime)
    assert draft.validation_passed, draft.validation_rows

    client.post(reverse("authoring_exercise_publish", args=[draft.pk]))

    doubling.refresh_from_db()
    assert doubling.current_version.number == 2
    assert [t["name"] for t in doubling.current_version.spec["tests"]] == [
        "doubles two",
        "doubles three",
    ]
    assert (
        doubling.versions.get(number=1).spec["tests"][0]["name"] == "doubles two"
    )  # kept as it was
    draft.refresh_from_db()
    assert draft.is_published


def _publish_new_exercise(client, lesson, runtime, capture_on_commit) -> None:
    """The instructor writes "double-again" in the form, it validates, and they publish it."""
    with capture_on_commit(execute=True):
        client.post(
            reverse("authoring_exercise_new", args=[lesson.slug]),
            _form(tests=textwrap.dedent(TEST_N2 + TEST_N3)),
        )
    draft = _validate(ExerciseDraft.objects.get(slug="double-again"), runtime)
    client.post(reverse("authoring_exercise_publish", args=[draft.pk]))


@pytest.mark.root
def test_a_new_exercise_is_published_into_its_lesson_and_shown_to_students(
    lesson, instructor, student, runtime, validations, django_capture_on_commit_callbacks
):
    client = client_for(instructor)

    _publish_new_exercise(client, lesson, runtime, django_capture_on_commit_callbacks)

    exercise = Exercise.objects.get(slug="double-again")
    assert exercise.lesson == lesson and exercise.current_version.number == 1
    assert "slug: double-again" in lesson.files.get(path="lesson.md").text
    assert [e.slug for e in lesson.content().exercises] == ["double-it", "double-again"]
    learner = client_for(student)
    assert learner.get(reverse("exercise_detail", args=["double-again"])).status_code == 200
    lesson_page = learner.get(lesson.get_absolute_url())
    assert lesson_page.status_code == 200 and b"Double again" in lesson_page.content


@pytest.mark.root
def test_a_lesson_edit_open_while_an_exercise_is_added_references_it_and_still_publishes(
    lesson, instructor, runtime, validations, django_capture_on_commit_callbacks
):
    client = client_for(instructor)
    client.get(reverse("authoring_lesson_edit_published", args=[lesson.slug]))  # open, unsaved
    _publish_new_exercise(client, lesson, runtime, django_capture_on_commit_callbacks)

    lesson_draft = LessonDraft.objects.get(lesson=lesson)
    assert "slug: double-again" in lesson_draft.text and lesson_draft.problems == []
    client.post(lesson_draft.get_absolute_url(), {"text": lesson_draft.text})
    client.post(reverse("authoring_lesson_publish", args=[lesson_draft.pk]))

    assert [e.slug for e in lesson.content().exercises] == ["double-it", "double-again"]


def test_a_validation_result_for_files_that_changed_meanwhile_is_dropped(
    lesson, instructor, validations
):
    files = {
        "exercise.yaml": exercise_yaml(TEST_N2),
        "starter/lambda_function.py": STARTER,
        "solution/lambda_function.py": DOUBLE,
        "wrong/triples/lambda_function.py": ADDS_TWO,
    }
    draft = services.exercise_draft_create(
        author=instructor, lesson=lesson, slug="racing", files=files
    )

    class AuthorSavesDuringValidation:
        def invoke_sequence(self, *args, **kwargs):
            newer = ExerciseDraft.objects.get(pk=draft.pk)
            services.exercise_draft_save(
                draft=newer, files={**files, "exercise.yaml": exercise_yaml(TEST_N2, TEST_N3)}
            )
            raise RuntimeError("the old run ends however it ends")

    assert services.exercise_draft_validate(
        draft_id=draft.pk, runtime=AuthorSavesDuringValidation()
    )

    draft.refresh_from_db()
    # The old run's table is not shown for the new files; the new save's validation is queued.
    assert draft.validation_status == ValidationStatus.QUEUED and draft.validation_rows == []


def test_a_sandbox_failure_is_not_blamed_on_the_exercise_and_can_be_retried(
    lesson, instructor, validations, django_capture_on_commit_callbacks
):
    files = {
        "exercise.yaml": exercise_yaml(TEST_N2),
        "starter/lambda_function.py": STARTER,
        "solution/lambda_function.py": DOUBLE,
        "wrong/triples/lambda_function.py": ADDS_TWO,
    }
    draft = services.exercise_draft_create(
        author=instructor, lesson=lesson, slug="x-y", files=files
    )

    class BrokenSandbox:
        def invoke_sequence(self, *args, **kwargs):
            raise OSError("zygote is gone")

    services.exercise_draft_validate(draft_id=draft.pk, runtime=BrokenSandbox())
    client = client_for(instructor)
    page = client.get(draft.get_absolute_url()).content.decode()

    assert "could not run this validation; that is not your exercise" in page
    assert 'id="publish-button" disabled' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("authoring_exercise_revalidate", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.validation_status == ValidationStatus.QUEUED
    assert validations[-1] == (draft.pk, "interactive")
