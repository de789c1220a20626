"""Every authoring page, visited by each persona: only instructors author, drafts stay private."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lambdalab.authoring import services
from tests.conftest import client_for
from tests.courses.builders import TEST_N2, exercise_files

PERSONAS = ["anonymous", "student", "classmate", "instructor", "other_instructor"]


@pytest.fixture
def drafts(lesson, instructor, validations):
    exercise = services.exercise_draft_create(
        author=instructor, lesson=lesson, slug="private-draft", files=exercise_files(TEST_N2)
    )
    lesson_draft = services.lesson_draft_from_published(author=instructor, lesson=lesson)
    return {"exercise": exercise.pk, "lesson": lesson_draft.pk, "slug": lesson.slug}


PAGES = [
    ("get", "authoring_home", lambda d: {}, False),
    ("post", "authoring_lesson_new", lambda d: {}, False),
    ("post", "authoring_lesson_import", lambda d: {}, False),
    ("post", "authoring_lesson_preview", lambda d: {}, False),
    ("get", "authoring_lesson_edit_published", lambda d: {"slug": d["slug"]}, False),
    ("get", "authoring_lesson_export", lambda d: {"slug": d["slug"]}, False),
    ("get", "authoring_exercise_new", lambda d: {"lesson_slug": d["slug"]}, False),
    ("get", "authoring_exercise_edit_published", lambda d: {"slug": "double-it"}, False),
    ("get", "authoring_lesson_edit", lambda d: {"draft_id": d["lesson"]}, True),
    ("post", "authoring_quiz_add", lambda d: {"draft_id": d["lesson"]}, True),
    ("post", "authoring_lesson_publish", lambda d: {"draft_id": d["lesson"]}, True),
    ("get", "authoring_exercise_edit", lambda d: {"draft_id": d["exercise"]}, True),
    ("get", "authoring_exercise_validation", lambda d: {"draft_id": d["exercise"]}, True),
    ("post", "authoring_exercise_publish", lambda d: {"draft_id": d["exercise"]}, True),
    ("post", "authoring_exercise_revalidate", lambda d: {"draft_id": d["exercise"]}, True),
]


@pytest.mark.parametrize("method,name,kwargs,private", PAGES, ids=[p[1] for p in PAGES])
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_instructors_author_and_drafts_are_their_authors_alone(
    request, drafts, persona, method, name, kwargs, private
):
    client = (
        request.getfixturevalue("anonymous")
        if persona == "anonymous"
        else client_for(request.getfixturevalue(persona))
    )

    response = getattr(client, method)(reverse(name, kwargs=kwargs(drafts)))

    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona in ("student", "classmate"):
        assert response.status_code == 403
    elif persona == "other_instructor" and private:
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302)


def test_validation_partial_polls_only_while_the_sandbox_runs(drafts, instructor):
    client = client_for(instructor)
    url = reverse("authoring_exercise_validation", args=[drafts["exercise"]])

    assert b'hx-trigger="every 1s"' in client.get(url).content
    from lambdalab.authoring.models import ExerciseDraft

    ExerciseDraft.objects.filter(pk=drafts["exercise"]).update(validation_status="finished")
    assert b"every 1s" not in client.get(url).content
