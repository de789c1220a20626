"""Jobs outlive lost messages and dead workers: the reaper re-sends or recovers them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lambdalab.cloud import jobs
from lambdalab.cloud.models import Deployment, Status
from tests.cloud.test_flow import make_run

pytestmark = pytest.mark.django_db


def queue_a_deploy(post, ada, student) -> Deployment:
    response = post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})
    assert response.status_code == 302
    return Deployment.objects.get()


def test_a_deploy_whose_message_was_lost_is_sent_again_and_finishes(
    ada, student, connected, post, deploy_queue
):
    deployment = queue_a_deploy(post, ada, student)
    deploy_queue.sent.clear()  # the broker lost it
    Deployment.objects.filter(pk=deployment.pk).update(
        due_at=timezone.now() - timedelta(minutes=10)
    )

    assert jobs.jobs_reap()["resent"] == 1
    deploy_queue.run_all()

    assert Deployment.objects.get().status == Status.FINISHED


def test_a_retry_waiting_for_its_countdown_is_not_resent(
    ada, student, connected, post, deploy_queue
):
    deployment = queue_a_deploy(post, ada, student)
    Deployment.objects.filter(pk=deployment.pk).update(
        due_at=timezone.now() + timedelta(seconds=200)
    )

    assert jobs.jobs_reap()["resent"] == 0


def test_a_deploy_whose_worker_died_is_requeued_then_finishes(
    ada, student, connected, post, deploy_queue
):
    deployment = queue_a_deploy(post, ada, student)
    deploy_queue.sent.clear()
    jobs.claim(Deployment, deployment.pk)  # a worker took it, then vanished
    Deployment.objects.filter(pk=deployment.pk).update(
        started_at=timezone.now() - timedelta(hours=1)
    )

    assert jobs.jobs_reap()["requeued"] == 1
    deploy_queue.run_all()

    deployment.refresh_from_db()
    assert deployment.status == Status.FINISHED and deployment.deliveries == 2


def test_a_job_lost_too_often_fails_with_a_message(
    ada, student, connected, post, deploy_queue, settings
):
    deployment = queue_a_deploy(post, ada, student)
    jobs.claim(Deployment, deployment.pk)
    Deployment.objects.filter(pk=deployment.pk).update(
        started_at=timezone.now() - timedelta(hours=1), deliveries=settings.JOBS_MAX_DELIVERIES
    )

    assert jobs.jobs_reap()["failed"] == 1

    deployment.refresh_from_db()
    assert deployment.status == Status.ERROR
    assert "lost this job several times" in deployment.error_message
