"""The job lifecycle shared by every cloud job: claim, finish, retry with backoff, enqueue.

Mirrors lambdalab/submissions: the row is the truth, Celery carries ids, one claim token per
delivery. Throttling is retried here, by re-queueing with a doubling countdown, rather than by
sleeping inside botocore while a worker slot waits.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lambdalab.cloud.errors import CloudError
from lambdalab.cloud.models import (
    CloudInvocation,
    CloudJob,
    Deployment,
    Status,
    Teardown,
    Verification,
)
from lambdalab.core.jobs import job_claim, job_finish

logger = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300


claim = job_claim


def finish(model: type[CloudJob], job_id: int, token: str, **fields) -> bool:
    """Write the result only if this delivery still holds the claim."""
    return job_finish(model, job_id, token, **fields)


def backoff_seconds(retries: int) -> int:
    """2, 4, 8, 16 … seconds, capped: AWS throttling clears in seconds, quotas do not."""
    return min(2 ** (retries + 1), MAX_BACKOFF_SECONDS)


def retry_or_fail(job: CloudJob, token: str, error: CloudError) -> None:
    """Re-queue a retryable failure with backoff; otherwise (or when out of retries) fail it."""
    model = type(job)
    # Only the code and our own message are logged: never request parameters or credentials.
    logger.info("%s %s: %s (retryable=%s)", model.__name__, job.pk, error.code, error.retryable)
    if not error.retryable or job.retries >= settings.CLOUD_THROTTLE_RETRIES:
        message = error.message
        if error.retryable:
            message = (
                f"{error.message} Gave up after {job.retries + 1} tries: your account "
                "may be at a quota (concurrency or request rate). Try again later."
            )
        finish(
            model, job.pk, token, status=Status.ERROR, error_code=error.code, error_message=message
        )
        return
    countdown = backoff_seconds(job.retries)
    requeued = model.objects.filter(pk=job.pk, status=Status.RUNNING, claim_token=token).update(
        status=Status.QUEUED,
        due_at=timezone.now() + timedelta(seconds=countdown),
        retries=F("retries") + 1,
        error_code=error.code,
        error_message=f"{error.message} Next try in {countdown} s.",
    )
    if requeued:
        enqueue(job, countdown=countdown)


TASKS = {
    Verification: "verify_account",
    Deployment: "deploy_function",
    CloudInvocation: "invoke_function",
    Teardown: "teardown_account",
}


def enqueue(job: CloudJob, *, countdown: int = 0) -> None:
    from lambdalab.cloud import tasks

    task = getattr(tasks, TASKS[type(job)])
    task.apply_async([job.pk], queue="deploy", countdown=countdown)


def enqueue_on_commit(job: CloudJob) -> None:
    type(job).objects.filter(pk=job.pk).update(due_at=timezone.now())
    transaction.on_commit(lambda: enqueue(job))


def jobs_reap() -> dict[str, int]:
    """Re-send jobs whose message was lost, and recover jobs whose worker died mid-way.

    Deploys and teardowns are idempotent, so running one again is safe; an invoke may run twice
    (at least once, as AWS's own retries are).
    """
    now = timezone.now()
    counts = {"resent": 0, "requeued": 0, "failed": 0}
    for model in TASKS:
        stale = now - timedelta(seconds=settings.JOBS_QUEUED_STALE_SECONDS)
        for job in model.objects.filter(status=Status.QUEUED, due_at__lt=stale):
            model.objects.filter(pk=job.pk, status=Status.QUEUED).update(due_at=now)
            enqueue(job)
            counts["resent"] += 1
        limit = now - timedelta(seconds=settings.CLOUD_JOB_RUNNING_LIMIT_SECONDS)
        for job in model.objects.filter(status=Status.RUNNING, started_at__lt=limit):
            counts[_recover(job, now)] += 1
    return counts


def _recover(job: CloudJob, now) -> str:
    model = type(job)
    running = model.objects.filter(pk=job.pk, status=Status.RUNNING, claim_token=job.claim_token)
    if job.deliveries >= settings.JOBS_MAX_DELIVERIES:
        running.update(
            status=Status.ERROR,
            finished_at=now,
            error_code="Lost",
            error_message="LambdaLab lost this job several times and gave up. "
            "Nothing was left half-done that trying again will not fix.",
        )
        return "failed"
    if running.update(status=Status.QUEUED, due_at=now):
        enqueue(job)
    return "requeued"
