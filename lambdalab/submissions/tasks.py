"""Thin Celery tasks: they take ids and call one service each."""

from __future__ import annotations

from celery import shared_task

from lambdalab.submissions import services


@shared_task(name="submissions.execute_run", acks_late=True)
def execute_run(run_id: int) -> None:
    services.run_execute(run_id=run_id)


@shared_task(name="submissions.grade_submission", acks_late=True)
def grade_submission(submission_id: int) -> None:
    services.submission_grade(submission_id=submission_id)


@shared_task(name="submissions.reap_stuck_jobs", ignore_result=True)
def reap_stuck_jobs() -> None:
    services.jobs_reap()
