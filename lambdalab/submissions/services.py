"""Runs and submissions: create, claim, execute, finish, reap. Views and tasks call only these."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, JSONField, Q, Value
from django.utils import timezone

from lambdalab.core.jobs import job_claim, job_finish
from lambdalab.submissions import limits, sandbox
from lambdalab.submissions.errors import InfrastructureError, Refused
from lambdalab.submissions.models import Run, Status, Submission

logger = logging.getLogger(__name__)
MAX_INFRA_RETRIES = 3


# --- create -------------------------------------------------------------------------------------


def run_create(
    *,
    user,
    files: dict[str, str],
    event: Any,
    exercise=None,
    handler: str = "lambda_function.lambda_handler",
    config: dict | None = None,
    cold: bool = False,
) -> Run:
    """Queue an ungraded Test invocation. Raises Refused (with a message for the learner)."""
    sandbox.validate_files(files)
    load = limits.load_get(user=user)
    limits.check_in_flight(load)
    limits.check_queue_bound(load)
    run = Run.objects.create(
        user=user,
        exercise=exercise,
        files=files,
        # An event of `null` is a JSON null (the handler gets None), not a missing value.
        event=Value(None, JSONField()) if event is None else event,
        handler=handler,
        config=config or {},
        cold=cold,
        enqueued_at=timezone.now(),
    )
    run.event = event
    _enqueue_on_commit(run)
    return run


def submission_create(
    *, user, exercise, files: dict[str, str], config: dict | None = None
) -> Submission:
    """Queue a graded attempt against the exercise's current version, within its attempt policy."""
    sandbox.validate_files(files)
    version = exercise.current_version
    policy = sandbox.attempt_policy(version)
    load = limits.load_get(
        user=user, exercise=exercise, cooldown_seconds=policy["cooldown_seconds"]
    )
    limits.check_in_flight(load)
    limits.check_submission_rate(load)
    limits.check_queue_bound(load)
    attempt = limits.check_attempt_policy(load, **policy)
    # One INSERT needs no transaction of its own; the message leaves once the row is committed.
    submission = Submission.objects.create(
        user=user,
        exercise=exercise,
        exercise_version=version,
        files=files,
        config=config or {},
        attempt=attempt,
        enqueued_at=timezone.now(),
    )
    _enqueue_on_commit(submission)
    return submission


def _enqueue_on_commit(job: Run | Submission) -> None:
    from lambdalab.submissions import tasks

    if isinstance(job, Run):
        transaction.on_commit(lambda: tasks.execute_run.apply_async([job.pk], queue="interactive"))
    else:
        queue = "batch" if getattr(job, "is_regrade", False) else "graded"
        transaction.on_commit(lambda: tasks.grade_submission.apply_async([job.pk], queue=queue))


# --- claim and execute --------------------------------------------------------------------------


_claim = job_claim


def _finish(model, job_id: int, token: str, **fields) -> bool:
    """Write the result only if this delivery still holds the claim (a reaped job may not)."""
    return job_finish(model, job_id, token, **fields)


def run_execute(*, run_id: int) -> bool:
    """Run one Test invocation in the sandbox. Idempotent: returns False if already claimed."""
    token = _claim(Run, run_id)
    if token is None:
        return False
    run = Run.objects.select_related("exercise__current_version__exercise").get(pk=run_id)
    try:
        outcome = sandbox.invoke_run(run)
    except InfrastructureError as exc:
        _requeue_or_fail(Run, run, token, exc)
        return True
    _finish(
        Run,
        run_id,
        token,
        status=Status.FINISHED,
        record=outcome.record,
        aws_state=outcome.aws_state,
    )
    return True


def submission_grade(*, submission_id: int) -> bool:
    """Grade one submission. Idempotent: a duplicate delivery finds it claimed and does nothing."""
    token = _claim(Submission, submission_id)
    if token is None:
        return False
    submission = Submission.objects.select_related("exercise_version__exercise").get(
        pk=submission_id
    )
    try:
        grade = sandbox.grade_submission(submission)
    except InfrastructureError as exc:
        _requeue_or_fail(Submission, submission, token, exc)
        return True
    except Refused as exc:
        _finish(Submission, submission_id, token, status=Status.ERROR, error_message=exc.message)
        return True
    _finish(
        Submission,
        submission_id,
        token,
        status=Status.FINISHED,
        passed=grade.passed,
        score=grade.score,
        points=grade.points,
        max_points=grade.max_points,
        results=grade.document,
        sandbox_ms=grade.sandbox_ms,
    )
    return True


def _requeue_or_fail(model, job, token: str, exc: Exception) -> None:
    logger.exception("%s %s: infrastructure error", model.__name__, job.pk, exc_info=exc)
    if job.infra_retries + 1 >= MAX_INFRA_RETRIES:
        _finish(
            model,
            job.pk,
            token,
            status=Status.ERROR,
            error_message=f"LambdaLab could not run this ({exc}). It does not count as an attempt.",
        )
        return
    updated = model.objects.filter(pk=job.pk, status=Status.RUNNING, claim_token=token).update(
        status=Status.QUEUED,
        infra_retries=F("infra_retries") + 1,
        enqueued_at=timezone.now(),
        error_message=str(exc),
    )
    if updated:
        job.refresh_from_db()
        _enqueue_later(job, countdown=2**job.infra_retries)


def _enqueue_later(job: Run | Submission, *, countdown: int = 0) -> None:
    from lambdalab.submissions import tasks

    if isinstance(job, Run):
        tasks.execute_run.apply_async([job.pk], queue="interactive", countdown=countdown)
    else:
        tasks.grade_submission.apply_async([job.pk], queue="graded", countdown=countdown)


# --- reaper -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReapReport:
    requeued_queued: int
    requeued_running: int
    failed: int


def jobs_reap() -> ReapReport:
    """Re-enqueue work stuck in queued (message lost: Redis restarted) or running (worker died).

    Re-enqueueing is safe: a duplicate message finds the job claimed and does nothing.
    """
    now = timezone.now()
    stale_queued = now - timedelta(seconds=settings.JOBS_QUEUED_STALE_SECONDS)
    counts = {"queued": 0, "running": 0, "failed": 0}
    for model in (Run, Submission):
        for job in model.objects.filter(status=Status.QUEUED, enqueued_at__lt=stale_queued):
            if model.objects.filter(pk=job.pk, status=Status.QUEUED).update(enqueued_at=now):
                _enqueue_later(job)
                counts["queued"] += 1
        for job in model.objects.filter(status=Status.RUNNING):
            if job.started_at + timedelta(seconds=_running_deadline(job)) > now:
                continue
            counts[_reap_running(model, job, now)] += 1
    return ReapReport(counts["queued"], counts["running"], counts["failed"])


def _reap_running(model, job, now) -> str:
    if job.deliveries >= settings.JOBS_MAX_DELIVERIES:
        model.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=Status.ERROR,
            finished_at=now,
            error_message="The worker stopped while running this, several times. "
            "It does not count as an attempt.",
        )
        return "failed"
    if model.objects.filter(pk=job.pk, status=Status.RUNNING, claim_token=job.claim_token).update(
        status=Status.QUEUED, enqueued_at=now, claim_token=""
    ):
        _enqueue_later(job)
    return "running"


def _running_deadline(job) -> float:
    """How long a job may run before we assume its worker died: its Lambda timeouts plus grace."""
    return sandbox.worst_case_seconds(job) + settings.JOBS_RUNNING_GRACE_SECONDS


# --- status -------------------------------------------------------------------------------------


def queue_position(job: Run | Submission) -> int | None:
    """1 for the next job a worker will take from this job's queue; None once it has started."""
    if job.status != Status.QUEUED:
        return None
    model = type(job)
    ahead = model.objects.filter(status=Status.QUEUED).filter(
        Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk)
    )
    return ahead.count() + 1
