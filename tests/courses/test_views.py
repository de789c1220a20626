"""Every course page, visited by each persona: who gets in, and what they see once in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lambdalab.courses import regrades, services
from lambdalab.courses.models import Course, Enrolment
from tests.conftest import client_for
from tests.courses.builders import (
    ADDS_TWO,
    DOUBLE,
    TEST_N2,
    TEST_N3,
    finished_submission,
    publish_doubling,
)

PERSONAS = ["anonymous", "student", "classmate", "instructor", "other_instructor"]


@pytest.fixture
def world(course, doubling, student, classmate, instructor, enqueued):
    """The course with one submission each, and a regrade against a newer version."""
    mine = finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0)
    theirs = finished_submission(user=classmate, exercise=doubling, code=ADDS_TWO, score=1.0)
    publish_doubling(TEST_N2, TEST_N3)
    regrade = regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)
    return {
        "course": course,
        "assignment": course.assignments.get(),
        "mine": mine,
        "theirs": theirs,
        "regrade": regrade,
    }


def _client(request, persona):
    if persona == "anonymous":
        return request.getfixturevalue("anonymous")
    return client_for(request.getfixturevalue(persona))


C = "course"
INSTRUCTOR_PAGES = [
    ("get", "course_create", lambda w: {}),
    ("get", "gradebook", lambda w: {"course_id": w[C].pk}),
    ("get", "gradebook_student", lambda w: {"course_id": w[C].pk, "user_id": w["mine"].user_id}),
    (
        "get",
        "gradebook_submission",
        lambda w: {"course_id": w[C].pk, "submission_id": w["theirs"].pk},
    ),
    (
        "get",
        "assignment_analytics",
        lambda w: {"course_id": w[C].pk, "assignment_id": w["assignment"].pk},
    ),
    ("get", "regrade_detail", lambda w: {"course_id": w[C].pk, "regrade_id": w["regrade"].pk}),
    ("post", "course_edit", lambda w: {"course_id": w[C].pk}),
    ("post", "course_code_rotate", lambda w: {"course_id": w[C].pk}),
    ("post", "course_instructor_add", lambda w: {"course_id": w[C].pk}),
    ("post", "assignment_add", lambda w: {"course_id": w[C].pk}),
    (
        "post",
        "course_instructor_remove",
        lambda w: {"course_id": w[C].pk, "user_id": w[C].owner_id},
    ),
    (
        "post",
        "regrade_start",
        lambda w: {"course_id": w[C].pk, "assignment_id": w["assignment"].pk},
    ),
    ("post", "regrade_resume", lambda w: {"course_id": w[C].pk, "regrade_id": w["regrade"].pk}),
    ("post", "regrade_apply", lambda w: {"course_id": w[C].pk, "regrade_id": w["regrade"].pk}),
    ("post", "regrade_discard", lambda w: {"course_id": w[C].pk, "regrade_id": w["regrade"].pk}),
    (
        "post",
        "assignment_remove",
        lambda w: {"course_id": w[C].pk, "assignment_id": w["assignment"].pk},
    ),
]
GLOBAL = {"course_create"}  # not tied to one course: any instructor may open it


@pytest.mark.parametrize(
    "method,name,kwargs", INSTRUCTOR_PAGES, ids=[p[1] for p in INSTRUCTOR_PAGES]
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_instructor_pages_admit_only_the_courses_instructors(
    request, world, persona, method, name, kwargs
):
    url = reverse(name, kwargs=kwargs(world))
    response = getattr(_client(request, persona), method)(url)

    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona in ("student", "classmate"):
        assert response.status_code == 403
        assert b"Instructors only" in response.content
    elif persona == "other_instructor" and name not in GLOBAL:
        assert response.status_code == 404
    else:  # admitted: the page, a redirect, or an empty form refused with its errors
        assert response.status_code in (200, 302, 422)


@pytest.mark.parametrize("persona", PERSONAS)
def test_course_page_shows_each_member_their_own_view(request, world, persona):
    response = _client(request, persona).get(reverse("course_detail", args=[world[C].pk]))

    if persona == "anonymous":
        assert response.status_code == 302
    elif persona == "other_instructor":
        assert response.status_code == 404
    elif persona == "instructor":
        assert response.status_code == 200
        assert world[C].join_code.encode() in response.content
        invite = reverse("course_join_link", args=[world[C].invite_token])
        assert f"http://testserver{invite}".encode() in response.content
        assert b"grace" in response.content and b"ada" in response.content
    else:
        assert response.status_code == 200
        assert world[C].join_code.encode() not in response.content  # students cannot share it on
        other = b"grace" if persona == "student" else b"ada"
        assert other not in response.content
        assert b"10 / 10" in response.content  # their own best score


def test_students_never_see_hidden_tests_or_their_classmates_work(world, student):
    client = client_for(student)
    theirs = world["theirs"]

    staff_page = client.get(reverse("gradebook_submission", args=[world[C].pk, theirs.pk]))
    own_course = client.get(reverse("course_detail", args=[world[C].pk]))

    assert staff_page.status_code == 403
    assert b"doubles three" not in own_course.content  # the hidden test of version 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_course_list_shows_only_courses_the_person_teaches_or_joined(request, world, persona):
    response = _client(request, persona).get(reverse("course_list"))

    if persona == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert (b"Serverless 101" in response.content) is (persona != "other_instructor")


def test_student_joins_with_a_code_and_can_be_in_several_courses(
    student, instructor, other_instructor
):
    first = services.course_create(owner=instructor, title="Lambda basics")
    second = services.course_create(owner=other_instructor, title="Event-driven design")
    client = client_for(student)

    client.post(reverse("course_join"), {"code": first.join_code.lower()})
    response = client.post(reverse("course_join"), {"code": second.join_code}, follow=True)

    assert b"You joined Event-driven design" in response.content
    assert set(Course.objects.filter(enrolments__user=student)) == {first, second}


def test_a_wrong_code_says_so_and_enrols_nobody(student, instructor):
    services.course_create(owner=instructor, title="Lambda basics")

    response = client_for(student).post(reverse("course_join"), {"code": "NOPE2345"})

    assert response.status_code == 422
    assert b"does not match an open course" in response.content
    assert not Enrolment.objects.exists()


def test_invite_link_asks_before_joining_then_joins(student, instructor):
    course = services.course_create(owner=instructor, title="Lambda basics")
    client = client_for(student)
    url = reverse("course_join_link", args=[course.invite_token])

    page = client.get(url)
    assert b"Join this course" in page.content and not Enrolment.objects.exists()

    client.post(url)
    assert Enrolment.objects.filter(course=course, user=student).exists()


def test_a_new_join_code_also_replaces_the_invite_link(student, instructor):
    course = services.course_create(owner=instructor, title="Lambda basics")
    leaked = reverse("course_join_link", args=[course.invite_token])
    client_for(instructor).post(reverse("course_code_rotate", args=[course.pk]))
    course.refresh_from_db()
    client = client_for(student)

    refused = client.get(leaked)
    client.post(leaked)
    assert refused.status_code == 404 and "Invite link not valid" in refused.content.decode()
    assert "it was replaced, or the course no longer takes new students" in refused.content.decode()
    assert not Enrolment.objects.exists()

    client.post(reverse("course_join_link", args=[course.invite_token]))
    assert Enrolment.objects.filter(course=course, user=student).exists()


def test_closed_course_refuses_new_students(student, instructor):
    course = services.course_create(owner=instructor, title="Lambda basics")
    services.course_update(course=course, joining_open=False)

    response = client_for(student).post(reverse("course_join"), {"code": course.join_code})

    assert response.status_code == 422 and not Enrolment.objects.exists()


def test_co_instructor_sees_the_gradebook_once_added(world, instructor, other_instructor):
    gradebook = reverse("gradebook", args=[world[C].pk])
    assert client_for(other_instructor).get(gradebook).status_code == 404

    client_for(instructor).post(
        reverse("course_instructor_add", args=[world[C].pk]),
        {"username": other_instructor.username},
    )

    response = client_for(other_instructor).get(gradebook)
    assert response.status_code == 200 and b"ada" in response.content


def test_a_refused_settings_form_comes_back_with_the_edits_and_the_error(course, instructor):
    client = client_for(instructor)

    response = client.post(
        reverse("course_edit", args=[course.pk]),
        {"title": "", "late_penalty_percent": 35, "late_days_max": 2, "joining_open": "on"},
    )

    page = response.content.decode()
    assert response.status_code == 422 and "Settings not saved" in page
    assert '<details class="card" open>' in page and 'value="35"' in page
    assert "This field is required." in page
    course.refresh_from_db()
    assert course.title == "Serverless 101" and course.late_penalty_percent != 35


def test_form_help_text_is_what_the_field_says_it_is_described_by(instructor):
    page = client_for(instructor).get(reverse("course_create")).content.decode()
    described = set(re.findall(r'aria-describedby="([^"]+)"', page))
    assert described and all(f'id="{target}"' in page for target in described)


def test_instructor_creates_a_course_and_assigns_an_exercise_with_a_due_date(instructor, doubling):
    client = client_for(instructor)
    response = client.post(
        reverse("course_create"),
        {
            "title": "Spring cohort",
            "description": "",
            "late_penalty_percent": 20,
            "late_days_max": 2,
            "joining_open": "on",
            "lessons": [doubling.lesson_id],
        },
        follow=True,
    )
    course = Course.objects.get(title="Spring cohort")
    assert f"Share the join code {course.join_code}".encode() in response.content
    assert list(course.lessons.all()) == [doubling.lesson]

    assigned = client.post(
        reverse("assignment_add", args=[course.pk]),
        {"exercise": doubling.pk, "due_at": "2030-01-31T17:00", "points": 25, "accept_late": "on"},
        follow=True,
    )

    assignment = course.assignments.get()
    assert (assignment.points, assignment.due_at.day, assignment.due_at.hour) == (25, 31, 17)
    assert "due 2030-01-31 17:00, 25 points, late work accepted" in assigned.content.decode()

    # The same form again, without a due date, edits the assignment and says so.
    updated = client.post(
        reverse("assignment_add", args=[course.pk]),
        {"exercise": doubling.pk, "due_at": "", "points": 25},
        follow=True,
    )
    title = doubling.title
    message = f"Updated {title}, already assigned: no due date, 25 points, late work not accepted"
    assert message in updated.content.decode()


def test_gradebook_marks_late_work_and_applies_the_late_policy(
    course, doubling, student, instructor
):
    assignment = course.assignments.get()
    assignment.due_at = timezone.now() - timedelta(days=1, hours=12)
    assignment.save()
    finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0, minutes_ago=60)

    response = client_for(instructor).get(reverse("gradebook", args=[course.pk]))

    # Two days late (a part day counts) at 10 % a day: 8 of 10 points.
    assert b"late" in response.content
    row = response.context["rows"][0]
    assert row.student == student and row.cells[0].best_points == 8 and row.cells[0].late


def test_gradebook_filters_by_name_and_status_and_exports_csv(world, instructor):
    client = client_for(instructor)
    url = reverse("gradebook", args=[world[C].pk])

    by_name = client.get(url, {"q": "grac"})
    assert [r.student.username for r in by_name.context["rows"]] == ["grace"]

    other = services.assignment_set(
        course=world[C], exercise=publish_doubling(TEST_N2), points=5
    )  # the same exercise cannot be assigned twice, so this updates it
    one = client.get(url, {"assignment": other.pk})
    assert [a.pk for a in one.context["assignments"]] == [other.pk]
    late = client.get(url, {"status": "late"})
    assert late.context["rows"] == []
    # Filtering in place (htmx) re-renders the table with a CSV link for what it shows.
    partial = client.get(url, {"assignment": other.pk}, headers={"HX-Request": "true"})
    assert f"?assignment={other.pk}&amp;format=csv" in partial.content.decode()

    csv = client.get(url, {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("username,name,email,double-it points")
    assert {line.split(",")[0] for line in lines[1:]} == {"ada", "grace"}


def test_gradebook_csv_keeps_names_that_look_like_formulas_as_text(course, instructor):
    from lambdalab.accounts.models import User

    sly = User.objects.create_user(
        username="-2+3", first_name='=HYPERLINK("http://x")', email="-2+3@example.com"
    )
    services.course_join(user=sly, code=course.join_code)

    csv = client_for(instructor).get(reverse("gradebook", args=[course.pk]), {"format": "csv"})

    rows = {line.split(",")[0]: line for line in csv.content.decode().splitlines()}
    assert rows["'-2+3"].startswith('\'-2+3,"\'=HYPERLINK(""http://x"")",\'-2+3@example.com,')


def test_submission_page_shows_code_every_test_and_logs_to_the_instructor(world, instructor):
    theirs = world["theirs"]
    theirs.results = {
        "tests": [
            {
                "name": "doubles three",
                "visible": False,
                "passed": False,
                "points": 0,
                "max_points": 1,
                "message": "returned {'double': 5}",
                "invocations": [{"status": "success", "logs": "START RequestId: r1"}],
            }
        ]
    }
    theirs.save()

    response = client_for(instructor).get(
        reverse("gradebook_submission", args=[world[C].pk, theirs.pk])
    )

    content = response.content.decode()
    assert "event[&#x27;n&#x27;] + 2" in content or "event['n'] + 2" in content
    assert "doubles three" in content and "hidden" in content and "START RequestId: r1" in content


def test_analytics_shows_pass_rate_and_median_attempts(
    course, doubling, student, classmate, instructor
):
    finished_submission(user=student, exercise=doubling, code="x", score=0.0, minutes_ago=30)
    finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0, minutes_ago=10)
    finished_submission(
        user=classmate,
        exercise=doubling,
        code="y",
        score=0.5,
        minutes_ago=5,
        results={
            "tests": [
                {
                    "passed": False,
                    "invocations": [{"status": "error", "payload": {"errorType": "KeyError"}}],
                }
            ]
        },
    )
    assignment = course.assignments.get()

    response = client_for(instructor).get(
        reverse("assignment_analytics", args=[course.pk, assignment.pk])
    )

    data = response.context["analytics"]
    assert (data.attempted, data.passed, data.pass_rate) == (2, 1, 50.0)
    assert data.median_attempts == 1.5 and data.median_minutes_to_pass == 20.0
    assert data.score_buckets[5] == 1 and data.score_buckets[10] == 1
    assert data.error_types[0] == ("KeyError", 1)
    assert b'id="analytics-data"' in response.content and b"KeyError" in response.content


def test_regrade_page_polls_while_running_and_offers_apply_when_ready(world, instructor):
    client = client_for(instructor)
    url = reverse("regrade_detail", args=[world[C].pk, world["regrade"].pk])

    running = client.get(url)
    assert b'hx-trigger="every 1s"' in running.content and b"0 of 2" in running.content

    world["regrade"].items.update(
        status="finished",
        new_score=0.5,
        new_points=5,
        new_max_points=10,
        new_passed=False,
        new_results={"tests": []},
    )
    regrades._mark_ready_when_done(world["regrade"].pk)
    ready = client.get(url, HTTP_HX_REQUEST="true")

    assert b"every 1s" not in ready.content
    assert b"Apply to 2 submissions" in ready.content
    assert b"2 of 2" in ready.content


def test_student_sees_a_notice_after_a_regrade_changed_their_score(
    world, instructor, student, classmate
):
    world["regrade"].items.filter(submission=world["mine"]).update(
        status="finished", new_score=1.0, new_points=10, new_max_points=10, new_passed=True
    )
    world["regrade"].items.filter(submission=world["theirs"]).update(
        status="finished", new_score=0.5, new_points=5, new_max_points=10, new_passed=False
    )
    regrades._mark_ready_when_done(world["regrade"].pk)
    client_for(instructor).post(reverse("regrade_apply", args=[world[C].pk, world["regrade"].pk]))

    theirs = client_for(classmate).get(reverse("course_detail", args=[world[C].pk]))
    mine = client_for(student).get(reverse("course_detail", args=[world[C].pk]))

    assert b"Your scores changed" in theirs.content and b"100% \xe2\x86\x92 50%" in theirs.content
    assert b"Your scores changed" not in mine.content


def test_analytics_offers_a_regrade_only_when_tests_changed_since_grading(
    course, doubling, student, instructor
):
    finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0)
    url = reverse("assignment_analytics", args=[course.pk, course.assignments.get().pk])
    client = client_for(instructor)

    assert b"nothing to regrade" in client.get(url).content

    publish_doubling(TEST_N2, TEST_N3)

    page = client.get(url).content
    assert b"1 submission by this course" in page and b"against v2" in page


def test_analytics_points_to_the_pending_regrade_instead_of_starting_a_second(world, instructor):
    course, regrade = world[C], world["regrade"]
    url = reverse("assignment_analytics", args=[course.pk, world["assignment"].pk])
    client = client_for(instructor)

    page = client.get(url).content.decode()
    assert f"Regrade {regrade.pk} against v2 is still running" in page
    assert reverse("regrade_start", args=[course.pk, world["assignment"].pk]) not in page

    response = client.post(
        reverse("regrade_start", args=[course.pk, world["assignment"].pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == regrade.get_absolute_url()
    assert "apply or discard it before starting another" in response.content.decode()
    assert course.regrades.count() == 1


def test_a_student_dismisses_their_notices_and_only_theirs(world, instructor, student, classmate):
    world["regrade"].items.update(
        status="finished", new_score=0.0, new_points=0, new_max_points=10, new_passed=False
    )
    regrades._mark_ready_when_done(world["regrade"].pk)
    regrades.regrade_apply(regrade=world["regrade"], user=instructor)
    page = reverse("course_detail", args=[world[C].pk])

    client_for(student).post(reverse("notices_seen"), {"course": world[C].pk})

    assert b"Your scores changed" not in client_for(student).get(page).content
    assert b"Your scores changed" in client_for(classmate).get(page).content
    assert client_for(student).get(reverse("notices_seen")).status_code == 405


def test_a_removed_co_instructor_loses_the_course_and_the_owner_cannot_be_removed(
    world, instructor, other_instructor
):
    services.instructor_add(course=world[C], username=other_instructor.username)
    owner = client_for(instructor)

    owner.post(reverse("course_instructor_remove", args=[world[C].pk, other_instructor.pk]))
    kept = client_for(other_instructor).post(
        reverse("course_instructor_remove", args=[world[C].pk, instructor.pk])
    )

    assert kept.status_code == 404  # no longer theirs to change
    gradebook = reverse("gradebook", args=[world[C].pk])
    assert client_for(other_instructor).get(gradebook).status_code == 404
    page = owner.post(
        reverse("course_instructor_remove", args=[world[C].pk, instructor.pk]), follow=True
    )
    assert b"owner cannot be removed" in page.content


def test_a_student_leaves_a_course_and_no_longer_sees_it(world, student):
    client = client_for(student)

    client.post(reverse("course_leave", args=[world[C].pk]))

    assert client.get(reverse("course_detail", args=[world[C].pk])).status_code == 404
    assert world["mine"].__class__.objects.filter(pk=world["mine"].pk).exists()
