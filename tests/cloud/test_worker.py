"""A deploy queued by the site travels Redis to a real worker on the `deploy` queue, which
deploys to the (moto) account and invokes it; the page shows the result."""

from __future__ import annotations

import pytest

from lambdalab.cloud import services
from lambdalab.cloud.models import CloudInvocation, Deployment, Status
from tests import stack
from tests.submissions.conftest import publishing_to

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_on_the_deploy_queue_deploys_and_invokes(
    student, learner_account, cloud_settings, redis_url, tmp_path, moto_url
):
    services.account_connect(
        user=student,
        mode="role",
        region=learner_account.region,
        role_arn=learner_account.role_arn,
        execution_role_arn=learner_account.execution_role(),
    )
    env = stack.process_env(
        broker_url=redis_url,
        var_dir=tmp_path,
        CLOUD_AWS_ENDPOINT_URL=moto_url,
        CLOUD_AWS_ACCESS_KEY_ID=cloud_settings.CLOUD_AWS_ACCESS_KEY_ID,
        CLOUD_AWS_SECRET_ACCESS_KEY=cloud_settings.CLOUD_AWS_SECRET_ACCESS_KEY,
        CLOUD_REGIONS=",".join(cloud_settings.CLOUD_REGIONS),
    )
    log = tmp_path / "worker.log"
    # Only the deploy queue: a job routed anywhere else would never be picked up.
    with publishing_to(redis_url), stack.running(stack.worker_command(queues="deploy"), env, log):
        stack.wait_for(lambda: "ready." in log.read_text(), timeout=60, what="the worker", log=log)
        deployment = services.deployment_create(
            user=student,
            files={"lambda_function.py": "def lambda_handler(e, c):\n    return e\n"},
            handler="lambda_function.lambda_handler",
            config={"memory": 128},
            source="test",
            exercise_slug="worker",
        )
        done = stack.wait_for(
            lambda: (
                Deployment.objects.filter(pk=deployment.pk)
                .exclude(status__in=[Status.QUEUED, Status.RUNNING])
                .first()
            ),
            timeout=90,
            what="the worker to deploy",
            log=log,
        )
        assert done.status == Status.FINISHED, done.error_message
        invocation = services.invocation_create(
            user=student, deployment=done, event={"from": "worker"}
        )
        finished = stack.wait_for(
            lambda: CloudInvocation.objects.filter(
                pk=invocation.pk, status=Status.FINISHED
            ).first(),
            timeout=60,
            what="the worker to invoke",
            log=log,
        )

    assert finished.record["payload"] == {"from": "worker"}
    functions = learner_account.client("lambda").list_functions()["Functions"]
    assert [f["FunctionName"] for f in functions] == ["lambdalab-ada-worker"]
    assert "cloud.deploy_function" in log.read_text()
