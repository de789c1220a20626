"""The life of a run and a submission, graded by the real runtime against a real exercise."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from lambdalab.catalog.content import parse_catalog, read_tree
from lambdalab.catalog.models import Exercise
from lambdalab.catalog.services import catalog_sync
from lambdalab.submissions import limits, sandbox, services
from lambdalab.submissions.errors import InfrastructureError, Refused
from lambdalab.submissions.models import Run, Status, Submission
from tests.submissions.conftest import SLEEPY

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
EXERCISE_DIR = LESSONS / "01-what-is-serverless" / "exercises" / "first-handler"


def _folder(name: str) -> dict[str, str]:
    root = EXERCISE_DIR / name
    return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*.py")}


@pytest.fixture
def first_handler(db) -> Exercise:
    files, _ = read_tree(LESSONS)
    lesson_one = {path: text for path, text in files.items() if path.startswith("01-")}
    catalog_sync(catalog=parse_catalog(lesson_one))
    return Exercise.objects.get(slug="first-handler")


@pytest.fixture
def enqueued(monkeypatch):
    """Messages the services hand to Celery (the broker itself is exercised in test_faults)."""
    sent = []
    from lambdalab.submissions import tasks

    for task in (tasks.execute_run, tasks.grade_submission):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, queue, countdown=0, _t=task.name: sent.append((_t, args[0], queue)),
        )
    return sent


# --- lifecycle ----------------------------------------------------------------------------------


@pytest.mark.root
def test_test_run_goes_from_queued_to_finished_with_the_invocation_record(
    student, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_create(user=student, files=SLEEPY, event={"n": 1})
    assert run.status == Status.QUEUED
    assert enqueued == [("submissions.execute_run", run.pk, "interactive")]

    assert services.run_execute(run_id=run.pk) is True

    run.refresh_from_db()
    assert run.status == Status.FINISHED
    assert run.record["payload"] == {"echo": 1}
    assert run.record["status"] == "success"
    assert "REPORT RequestId:" in run.record["logs"]
    assert run.started_at and run.finished_at and run.started_at <= run.finished_at


ECHO_TYPE = {"lambda_function.py": "def lambda_handler(event, context):\n    return repr(event)\n"}


@pytest.mark.root
@pytest.mark.parametrize(
    "event, handler_sees",
    [(None, "None"), ("just a string", "'just a string'"), (42, "42"), ([1, 2], "[1, 2]")],
)
def test_any_json_value_is_an_event_the_handler_receives_as_typed(
    student, enqueued, event, handler_sees
):
    """As on AWS, `null` and a bare JSON string are events too (a string is not a raw body)."""
    run = services.run_create(user=student, files=ECHO_TYPE, event=event)
    services.run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.event == event
    assert run.record["status"] == "success", run.record
    assert run.record["payload"] == handler_sees


@pytest.mark.root
def test_a_second_delivery_of_the_same_run_does_nothing(student, enqueued):
    run = services.run_create(user=student, files=SLEEPY, event={"n": 2})
    assert services.run_execute(run_id=run.pk) is True
    first = Run.objects.get(pk=run.pk).record["request_id"]

    assert services.run_execute(run_id=run.pk) is False

    run.refresh_from_db()
    assert run.deliveries == 1
    assert run.record["request_id"] == first


@pytest.mark.root
def test_reference_solution_scores_full_marks_and_starter_does_not(
    student, first_handler, enqueued
):
    good = services.submission_create(
        user=student, exercise=first_handler, files=_folder("solution")
    )
    services.submission_grade(submission_id=good.pk)
    good.refresh_from_db()

    assert good.status == Status.FINISHED
    assert good.passed is True and good.score == 1.0 and good.points == good.max_points == 10
    assert good.exercise_version == first_handler.current_version
    assert good.results["version"] == 1
    assert [t["passed"] for t in good.results["tests"]] == [True] * 4

    Submission.objects.filter(pk=good.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    wrong = services.submission_create(
        user=student, exercise=first_handler, files=_folder("wrong/hardcodes-greeting")
    )
    services.submission_grade(submission_id=wrong.pk)
    wrong.refresh_from_db()

    assert wrong.attempt == 2
    assert wrong.passed is False and 0 <= wrong.score < 1


def test_an_infrastructure_fault_is_retried_then_reported_without_costing_an_attempt(
    student, first_handler, enqueued, monkeypatch
):
    def broken(submission):
        raise InfrastructureError("sandbox zygote died")

    monkeypatch.setattr(sandbox, "grade_submission", broken)
    submission = services.submission_create(
        user=student, exercise=first_handler, files=_folder("solution")
    )

    for _ in range(services.MAX_INFRA_RETRIES):
        services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()

    assert submission.status == Status.ERROR
    assert "does not count as an attempt" in submission.error_message
    assert submission.infra_retries == services.MAX_INFRA_RETRIES - 1
    retries = [name for name, *_ in enqueued].count("submissions.grade_submission")
    assert retries == services.MAX_INFRA_RETRIES - 1
    Submission.objects.filter(pk=submission.pk).update(
        created_at=timezone.now() - timedelta(minutes=1)
    )
    again = services.submission_create(
        user=student, exercise=first_handler, files=_folder("solution")
    )
    assert again.attempt == 1


# --- back-pressure ------------------------------------------------------------------------------


@override_settings(JOBS_IN_FLIGHT_PER_LEARNER=2)
def test_a_learner_with_too_many_jobs_in_flight_is_told_to_wait(student, classmate, enqueued):
    services.run_create(user=student, files=SLEEPY, event={})
    services.run_create(user=student, files=SLEEPY, event={})

    with pytest.raises(
        Refused, match=r"Busy — you already have 2 jobs waiting or running\. Retrying in 3 s"
    ):
        services.run_create(user=student, files=SLEEPY, event={})
    services.run_create(user=classmate, files=SLEEPY, event={})  # others are not affected


@override_settings(SUBMISSIONS_PER_MINUTE=2, JOBS_IN_FLIGHT_PER_LEARNER=10)
def test_submitting_too_often_says_how_long_to_wait(student, first_handler, enqueued):
    for _ in range(2):
        submission = services.submission_create(
            user=student, exercise=first_handler, files=_folder("starter")
        )
        Submission.objects.filter(pk=submission.pk).update(
            created_at=timezone.now() - timedelta(seconds=30)
        )

    limit = r"2 times in the last minute, across all exercises \(the limit is 2 a minute\)"
    wait = r"Wait (2[0-9]|30|31) s before submitting again"
    with pytest.raises(Refused, match=f"{limit}. {wait}") as caught:
        services.submission_create(user=student, exercise=first_handler, files=_folder("starter"))
    assert 20 <= caught.value.retry_after <= 31


def test_the_exercise_cooldown_is_enforced(student, first_handler, enqueued):
    services.submission_create(user=student, exercise=first_handler, files=_folder("starter"))

    with pytest.raises(Refused, match=r"asks for \d+ s between attempts. Wait \d+ s before"):
        services.submission_create(user=student, exercise=first_handler, files=_folder("starter"))


def test_the_attempt_limit_is_enforced(student, first_handler, enqueued):
    version = first_handler.current_version
    yaml_text = version.files["exercise.yaml"]
    assert "attempts: {max: 0, cooldown_seconds: 5}" in yaml_text
    version.files = {
        **version.files,
        "exercise.yaml": yaml_text.replace(
            "attempts: {max: 0, cooldown_seconds: 5}", "attempts: {max: 1, cooldown_seconds: 0}"
        ),
    }
    version.save()
    services.submission_create(user=student, exercise=first_handler, files=_folder("starter"))

    with pytest.raises(Refused, match="You have used all 1 attempts for this exercise"):
        services.submission_create(user=student, exercise=first_handler, files=_folder("starter"))


@override_settings(JOBS_QUEUE_BOUND=1)
def test_a_full_queue_turns_new_work_away_politely(student, classmate, enqueued):
    services.run_create(user=classmate, files=SLEEPY, event={})

    with pytest.raises(Refused, match="LambdaLab is very busy — retrying in 10 s"):
        services.run_create(user=student, files=SLEEPY, event={})


def test_an_attempt_lost_to_our_fault_neither_counts_nor_starts_the_cooldown(
    student, first_handler, enqueued
):
    lost = services.submission_create(
        user=student, exercise=first_handler, files=_folder("starter")
    )
    Submission.objects.filter(pk=lost.pk).update(status=Status.ERROR)

    again = services.submission_create(
        user=student, exercise=first_handler, files=_folder("starter")
    )  # within the 5 s cooldown, which only counted attempts start

    assert again.attempt == 1


def test_every_limit_is_read_in_one_query(
    student, classmate, first_handler, enqueued, django_assert_num_queries
):
    services.run_create(user=student, files=SLEEPY, event={})
    services.run_create(user=classmate, files=SLEEPY, event={})
    services.submission_create(user=student, exercise=first_handler, files=_folder("starter"))

    with django_assert_num_queries(1):
        load = limits.load_get(user=student, exercise=first_handler, cooldown_seconds=5)

    assert (load.pending, load.queued, load.recent, load.attempts, load.cooling) == (2, 3, 1, 1, 1)
    assert limits.load_get(user=classmate).pending == 1


def test_code_over_three_megabytes_is_refused_with_the_limit(student, enqueued):
    huge = {"lambda_function.py": "x = 1\n" + "#" * (3 * 1024 * 1024)}

    with pytest.raises(Refused, match="the limit is 3 MB"):
        services.run_create(user=student, files=huge, event={})
    assert not Run.objects.exists()


# --- reaper and queue position -----------------------------------------------------------------


@override_settings(JOBS_QUEUED_STALE_SECONDS=60)
def test_reaper_resends_jobs_whose_message_was_lost(student, enqueued):
    lost = services.run_create(user=student, files=SLEEPY, event={})
    fresh = services.run_create(user=student, files=SLEEPY, event={})
    Run.objects.filter(pk=lost.pk).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    enqueued.clear()

    report = services.jobs_reap()

    assert report.requeued_queued == 1
    assert enqueued == [("submissions.execute_run", lost.pk, "interactive")]
    assert Run.objects.get(pk=fresh.pk).status == Status.QUEUED


@override_settings(JOBS_RUNNING_GRACE_SECONDS=60, JOBS_MAX_DELIVERIES=2)
def test_reaper_requeues_work_of_a_dead_worker_then_gives_up_without_charging(student, enqueued):
    run = services.run_create(user=student, files=SLEEPY, event={}, config={"timeout": 3})
    long_ago = timezone.now() - timedelta(minutes=10)
    Run.objects.filter(pk=run.pk).update(
        status=Status.RUNNING, started_at=long_ago, claim_token="dead-worker", deliveries=1
    )
    enqueued.clear()

    assert services.jobs_reap().requeued_running == 1
    run.refresh_from_db()
    assert run.status == Status.QUEUED and enqueued

    Run.objects.filter(pk=run.pk).update(status=Status.RUNNING, started_at=long_ago, deliveries=2)
    assert services.jobs_reap().failed == 1
    run.refresh_from_db()
    assert run.status == Status.ERROR
    assert "does not count as an attempt" in run.error_message


def test_a_late_result_from_a_replaced_delivery_is_dropped(student, enqueued):
    run = services.run_create(user=student, files=SLEEPY, event={})
    Run.objects.filter(pk=run.pk).update(status=Status.RUNNING, claim_token="current")

    assert services._finish(Run, run.pk, "stale", status=Status.FINISHED, record={"x": 1}) is False
    run.refresh_from_db()
    assert run.status == Status.RUNNING and run.record is None


def test_queue_position_counts_the_jobs_ahead(student, classmate, enqueued):
    first = services.run_create(user=classmate, files=SLEEPY, event={})
    second = services.run_create(user=student, files=SLEEPY, event={})

    assert services.queue_position(first) == 1
    assert services.queue_position(second) == 2
    Run.objects.filter(pk=first.pk).update(status=Status.RUNNING)
    second.refresh_from_db()
    assert services.queue_position(second) == 1
