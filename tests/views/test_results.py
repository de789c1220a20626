"""Test results like the Lambda console, graded results with hidden tests redacted, attempts,
diffs, privacy between learners, and the dashboard."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lambdalab.submissions.models import Run, Status, Submission
from tests.conftest import client_for

HTMX = {"HTTP_HX_REQUEST": "true"}
LOGS = (
    "INIT_START Runtime Version: python:3.12.v1\n"
    "START RequestId: 8f5e2c1a-0000-4000-8000-000000000001 Version: $LATEST\n"
    "hello from the handler\n"
    "END RequestId: 8f5e2c1a-0000-4000-8000-000000000001\n"
    "REPORT RequestId: 8f5e2c1a-0000-4000-8000-000000000001\tDuration: 12.34 ms\t"
    "Billed Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\t"
    "Init Duration: 180.20 ms\n"
)
RECORD = {
    "request_id": "8f5e2c1a-0000-4000-8000-000000000001",
    "status": "success",
    "payload": {"message": "Hello, Ada!"},
    "function_error": None,
    "logs": LOGS,
    "duration_ms": 12.34,
    "billed_duration_ms": 13,
    "init_duration_ms": 180.2,
    "max_memory_used_mb": 41,
    "memory_size_mb": 128,
    "cold_start": True,
    "log_stream_name": "2026/12/03/[$LATEST]abc",
    "cost_usd": 0.0000002270833,
}


def _run(user, exercise, **fields) -> Run:
    values = {
        "status": Status.FINISHED,
        "record": RECORD,
        "finished_at": timezone.now(),
        "files": {"lambda_function.py": "x = 1\n"},
        "event": {"name": "Ada"},
    }
    values.update(fields)
    return Run.objects.create(user=user, exercise=exercise, **values)


def _graded(user, exercise, *, attempt=1, code="x = 1\n", passed=False) -> Submission:
    document = {
        "version": 1,
        "exercise": exercise.slug,
        "status": "passed" if passed else "failed",
        "score": 1.0 if passed else 0.5,
        "points": 10 if passed else 5,
        "max_points": 10,
        "config": {},
        "error": None,
        "tests": [
            {
                "name": "greets Ada",
                "visible": True,
                "passed": True,
                "points": 5,
                "max_points": 5,
                "message": "All checks passed.",
                "event": {"name": "Ada"},
                "checks": [
                    {
                        "kind": "returns",
                        "passed": True,
                        "message": "returned the value",
                        "grader_error": False,
                    }
                ],
                "invocations": [{"payload": {"message": "Hello, Ada!"}, "logs": "START x\n"}],
            },
            {
                "name": "secret edge case",
                "visible": False,
                "passed": passed,
                "points": 5 * passed,
                "max_points": 5,
                "message": "expected 'Hello, Zed!' but got None",
                "event": {"name": "Zed"},
                "checks": [],
                "invocations": [],
            },
        ],
    }
    return Submission.objects.create(
        user=user,
        exercise=exercise,
        exercise_version=exercise.current_version,
        attempt=attempt,
        files={"lambda_function.py": code},
        status=Status.FINISHED,
        passed=passed,
        score=document["score"],
        points=document["points"],
        max_points=10,
        results=document,
        finished_at=timezone.now(),
    )


def test_finished_test_shows_the_execution_result_like_the_console(
    student, student_client, first_exercise
):
    run = _run(student, first_exercise)
    page = student_client.get(f"/runs/{run.pk}/", **HTMX).content.decode()
    assert "Succeeded" in page and "Cold start" in page
    assert "&quot;message&quot;: &quot;Hello, Ada!&quot;" in page
    assert '<span class="log-platform">REPORT RequestId: 8f5e2c1a' in page
    assert "8f5e2c1a-0000-4000-8000-000000000001" in page
    assert "12.34 ms" in page and "13 ms" in page and "180.20 ms" in page
    assert "128 MB" in page and "41 MB" in page
    assert "$0.000000227" in page  # this invocation
    assert "$0.23" in page  # per million
    assert "hx-get" not in page  # finished: polling stops


def test_pending_test_polls_and_says_where_it_is_in_the_queue(
    student, student_client, first_exercise
):
    run = _run(student, first_exercise, status=Status.QUEUED, record=None, finished_at=None)
    page = student_client.get(f"/runs/{run.pk}/", **HTMX).content.decode()
    assert f'hx-get="/runs/{run.pk}/"' in page and 'href="/runs/' in page
    assert "position 1 in the queue" in page


def test_warm_failed_run_shows_the_error_and_no_init(student, student_client, first_exercise):
    record = {
        **RECORD,
        "status": "error",
        "function_error": "Unhandled",
        "cold_start": False,
        "init_duration_ms": None,
        "payload": {"errorType": "KeyError", "errorMessage": "'name'"},
    }
    run = _run(student, first_exercise, record=record)
    page = student_client.get(f"/runs/{run.pk}/").content.decode()
    assert "Failed" in page and "Warm start" in page and "Unhandled" in page
    assert "KeyError" in page and "(warm)" in page


def test_mock_aws_before_and_after_are_shown(student, student_client, first_exercise):
    state = {
        "before": {"ec2": {"web-dev-1": {"state": "running"}, "db": {"state": "running"}}},
        "after": {"ec2": {"web-dev-1": {"state": "stopped"}, "db": {"state": "running"}}},
    }
    run = _run(student, first_exercise, aws_state=state)
    page = student_client.get(f"/runs/{run.pk}/").content.decode()
    assert "Mock AWS account: before and after" in page
    assert 'class="aws-changed"' in page and "web-dev-1" in page
    assert "&quot;stopped&quot;" in page


def test_classmate_cannot_view_a_run_or_submission(student, classmate, first_exercise):
    run = _run(student, first_exercise)
    submission = _graded(student, first_exercise)
    other = client_for(classmate)
    assert other.get(f"/runs/{run.pk}/").status_code == 404
    assert other.get(f"/submissions/{submission.pk}/").status_code == 404
    assert other.get(f"/submissions/{submission.pk}/", **HTMX).status_code == 404


def test_visitor_is_sent_to_log_in_for_results(anonymous, student, first_exercise):
    run = _run(student, first_exercise)
    assert anonymous.get(f"/runs/{run.pk}/").status_code == 302


def test_graded_result_shows_score_and_redacts_hidden_tests(
    student, student_client, first_exercise
):
    submission = _graded(student, first_exercise)
    page = student_client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "50%" in page and "5 / 10 points" in page
    assert "greets Ada" in page and "&quot;Hello, Ada!&quot;" in page  # visible: actual shown
    assert "secret edge case" in page and "Hidden" in page
    assert "This hidden test failed." in page and "Hint:" in page
    assert "Zed" not in page  # neither its event nor its message leak


def test_pending_submission_polls_until_finished(student, student_client, first_exercise):
    submission = Submission.objects.create(
        user=student,
        exercise=first_exercise,
        exercise_version=first_exercise.current_version,
        files={"lambda_function.py": "x=1\n"},
    )
    page = student_client.get(f"/submissions/{submission.pk}/", **HTMX).content.decode()
    assert "queued" in page and "position 1" in page
    assert f'hx-get="/submissions/{submission.pk}/"' in page
    Submission.objects.filter(pk=submission.pk).update(status=Status.RUNNING)
    page = student_client.get(f"/submissions/{submission.pk}/", **HTMX).content.decode()
    assert "Running the tests" in page and "hx-get" in page


def test_attempt_history_and_a_diff_between_two_attempts(student, student_client, first_exercise):
    first = _graded(student, first_exercise, attempt=1, code="def f():\n    return 1\n")
    second = _graded(
        student, first_exercise, attempt=2, code="def f():\n    return 2\n", passed=True
    )
    url = f"/exercises/{first_exercise.slug}/attempts/"
    page = student_client.get(url).content.decode()
    assert "Attempt 1" in page and "Attempt 2" in page and "100%" in page
    diff = student_client.get(url, {"a": first.pk, "b": second.pk}, **HTMX).content.decode()
    assert (
        '<span class="diff-del"><span class="visually-hidden">removed: </span>-    return 1' in diff
    )
    assert (
        '<span class="diff-add"><span class="visually-hidden">added: </span>+    return 2' in diff
    )
    # Each line is a block already: a newline between them would show as an empty line.
    assert "</span>\n<span" not in diff


def test_diff_of_someone_elses_attempt_is_404(student, classmate, first_exercise):
    mine = _graded(student, first_exercise)
    theirs = _graded(classmate, first_exercise)
    response = client_for(student).get(
        f"/exercises/{first_exercise.slug}/attempts/", {"a": mine.pk, "b": theirs.pk}
    )
    assert response.status_code == 404


def test_dashboard_shows_progress_scores_recent_work_and_what_next(
    student, student_client, first_exercise
):
    _graded(student, first_exercise, passed=True)
    page = student_client.get("/dashboard/").content.decode()
    assert "Your dashboard" in page
    assert first_exercise.title in page and "100%" in page and "Passed" in page
    assert "Recent submissions" in page and "Attempt 1" in page
    assert "What next" in page
    following = (
        first_exercise.lesson.exercises.filter(archived=False)
        .exclude(pk=first_exercise.pk)
        .order_by("position")
        .first()
    )
    assert following is not None  # lesson 1 has a second exercise to point at
    next_step = page.split("What next")[1].split("</section>")[0]
    assert f'href="/exercises/{following.slug}/"' in next_step


def test_dashboard_needs_an_account(anonymous, db):
    assert anonymous.get("/dashboard/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/dashboard/", "/labs/cost/"])
def test_main_pages_render_for_a_learner(student_client, curriculum, path):
    assert student_client.get(path).status_code == 200


def test_the_cost_calculator_takes_any_memory_size_lambda_allows(student_client, curriculum):
    """Lambda memory goes from 128 to 10,240 MB in 1 MB steps: 1000 MB is a valid size."""
    page = student_client.get("/labs/cost/", {"memory_mb": "1000"}).content.decode()
    assert 'name="memory_mb" type="number" min="128" max="10240" step="1" value="1000"' in page


def test_without_javascript_a_pending_run_page_refreshes_itself(
    student, student_client, first_exercise
):
    run = _run(student, first_exercise, status=Status.QUEUED, record=None, finished_at=None)
    page = student_client.get(f"/runs/{run.pk}/").content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    finished = _run(student, first_exercise)
    assert "http-equiv" not in student_client.get(f"/runs/{finished.pk}/").content.decode()


def test_attempt_code_is_shown_highlighted_and_escaped(student, student_client, first_exercise):
    submission = _graded(student, first_exercise, code="x = '<script>alert(1)</script>'\n")
    page = student_client.get(f"/submissions/{submission.pk}/").content.decode()
    assert '<div class="highlight code-view"><pre tabindex="0">' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
