"""Thin Celery tasks on the `deploy` queue: they take ids and call one service each."""

from __future__ import annotations

from celery import shared_task

from lambdalab.cloud import jobs, services


@shared_task(name="cloud.verify_account", acks_late=True)
def verify_account(verification_id: int) -> None:
    services.verification_execute(verification_id=verification_id)


@shared_task(name="cloud.deploy_function", acks_late=True)
def deploy_function(deployment_id: int) -> None:
    services.deployment_execute(deployment_id=deployment_id)


@shared_task(name="cloud.invoke_function", acks_late=True)
def invoke_function(invocation_id: int) -> None:
    services.invocation_execute(invocation_id=invocation_id)


@shared_task(name="cloud.teardown_account", acks_late=True)
def teardown_account(teardown_id: int) -> None:
    services.teardown_execute(teardown_id=teardown_id)


@shared_task(name="cloud.reap_stuck_jobs", ignore_result=True)
def reap_stuck_jobs() -> None:
    jobs.jobs_reap()
