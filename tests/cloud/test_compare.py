"""Local vs cloud for real: the same code and event through the real local sandbox and moto."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lambdalab.cloud.models import CloudInvocation
from lambdalab.submissions import services as submissions
from lambdalab.submissions.models import Status
from tests.cloud.test_flow import deploy, make_run

pytestmark = [pytest.mark.django_db, pytest.mark.root]

ECHO = "def lambda_handler(event, context):\n    print('got', event)\n    return event\n"


def test_side_by_side_shows_matching_payloads_and_highlights_what_only_one_side_has(
    ada, student, connected, post, deploy_queue, monkeypatch
):
    from lambdalab.submissions import tasks as submission_tasks

    monkeypatch.setattr(submission_tasks.execute_run, "apply_async", lambda *a, **k: None)
    deployment = deploy(post, ada, make_run(student, source=ECHO, memory=128), deploy_queue)
    post(
        ada,
        reverse("cloud_invoke", args=[deployment.pk]),
        {"event": '{"order": 42}', "compare_locally": "on"},
    )
    invocation = CloudInvocation.objects.get()

    submissions.run_execute(run_id=invocation.local_run_id)  # the real local sandbox
    deploy_queue.run_all()  # the cloud side

    invocation.refresh_from_db()
    local = invocation.local_run
    assert local.status == Status.FINISHED and invocation.status == Status.FINISHED
    assert set(local.record) == set(invocation.record)  # one record shape, two places
    page = ada.get(invocation.get_absolute_url()).content.decode()
    assert "Local vs cloud" in page and "every 1s" not in page
    assert 'Response <span class="badge badge-ok">same</span>' in page
    # the local sandbox reports a duration; moto's Lambda sends no REPORT line, so it differs
    assert '<tr class="differs"><th scope="row">Duration</th>' in page
    assert '<tr><th scope="row">Memory size</th>' in page  # 128 MB on both sides
    assert '<tr class="only-local"><td>got {&#x27;order&#x27;: 42}</td>' in page
