"""AWS says no: each refusal reaches the learner as a message they can act on.

Faults are answered at botocore's send step with AWS's own error shapes; everything else in the
job goes over HTTP to the moto server. Invalid roles need no injection: moto refuses them itself.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from lambdalab.cloud.models import Deployment, Status, Verification
from tests.cloud.test_flow import make_run

pytestmark = pytest.mark.django_db


def deploy_with(post, client, run, queue):
    response = post(client, reverse("cloud_deploy"), {"run": run.pk})
    assert response.status_code == 302, response.content.decode()[:1500]
    queue.run_all()
    return Deployment.objects.latest("created_at")


def test_access_denied_says_which_call_and_what_to_attach(
    ada, student, connected, post, deploy_queue, aws_fault
):
    aws_fault(
        "lambda.CreateFunction",
        403,
        "AccessDeniedException",
        "User is not authorized to perform: lambda:CreateFunction",
    )

    deployment = deploy_with(post, ada, make_run(student), deploy_queue)

    assert deployment.status == Status.ERROR
    assert deployment.error_code == "AccessDeniedException"
    assert "does not let LambdaLab call CreateFunction" in deployment.error_message
    assert "Attach the permission policy shown on the Cloud page" in deployment.error_message
    page = ada.get(deployment.get_absolute_url()).content.decode()
    assert "does not let LambdaLab call CreateFunction" in page


def test_a_role_lambda_cannot_assume_is_explained(ada, student, connected, post, deploy_queue):
    missing = f"arn:aws:iam::{connected.account_id}:role/never-created"
    response = post(
        ada, reverse("cloud_deploy"), {"run": make_run(student).pk, "execution_role_arn": missing}
    )
    assert response.status_code == 302
    deploy_queue.run_all()

    deployment = Deployment.objects.get()
    assert deployment.status == Status.ERROR
    assert deployment.error_message.startswith("Lambda cannot use that execution role.")
    assert "trust policy allows lambda.amazonaws.com" in deployment.error_message


def test_a_malformed_or_foreign_execution_role_is_refused_before_anything_is_queued(
    ada, student, connected, post, deploy_queue
):
    from lambdalab.cloud.models import CloudAccount

    CloudAccount.objects.filter(user=student).update(aws_account_id=connected.account_id)
    for arn, message in [
        ("lambda-exec", "must be an IAM role ARN"),
        (
            "arn:aws:iam::999999999999:role/x",
            f"must be in your connected account {connected.account_id}",
        ),
    ]:
        response = post(
            ada, reverse("cloud_deploy"), {"run": make_run(student).pk, "execution_role_arn": arn}
        )
        assert response.status_code == 422
        assert message in response.content.decode()
    assert deploy_queue.sent == [] and not Deployment.objects.exists()


def test_a_region_not_enabled_in_the_account_is_explained(
    ada, student, learner_account, post, deploy_queue, aws_fault
):
    from lambdalab.cloud import services

    services.account_connect(
        user=student,
        mode="role",
        region="ap-east-1",
        role_arn=learner_account.role_arn,
        execution_role_arn=learner_account.execution_role(),
    )
    aws_fault(
        "lambda.GetFunctionConfiguration",
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )

    deployment = deploy_with(post, ada, make_run(student), deploy_queue)

    assert deployment.status == Status.ERROR
    assert "The region ap-east-1 is not enabled in your AWS account" in deployment.error_message


def test_sts_refusing_a_disabled_region_is_explained_at_verify(
    ada, student, connected, post, deploy_queue, aws_fault
):
    aws_fault(
        "sts.AssumeRole",
        403,
        "RegionDisabledException",
        "STS is not activated in this region for account",
        protocol="query",
    )

    post(ada, reverse("cloud_verify"))
    deploy_queue.run_all()

    verification = Verification.objects.get()
    assert verification.status == Status.ERROR
    assert "The region eu-west-1 is not enabled" in verification.error_message


def test_a_quota_fails_at_once_with_what_to_do(
    ada, student, connected, post, deploy_queue, aws_fault
):
    aws_fault(
        "lambda.CreateFunction", 400, "CodeStorageExceededException", "Code storage limit exceeded."
    )

    deployment = deploy_with(post, ada, make_run(student), deploy_queue)

    assert deployment.status == Status.ERROR and deployment.retries == 0
    assert "hit an AWS quota during CreateFunction" in deployment.error_message
    assert "Tear down old LambdaLab functions" in deployment.error_message


def test_throttling_is_retried_with_doubling_waits_then_succeeds(
    ada, student, connected, post, deploy_queue, aws_fault
):
    fault = aws_fault(
        "lambda.CreateFunction", 429, "TooManyRequestsException", "Rate exceeded", times=3
    )
    post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})

    waits = []
    while deploy_queue.sent:
        message = deploy_queue.sent[0]
        waits.append(message["countdown"])
        deployment = Deployment.objects.get()
        if waits[-1]:
            assert deployment.status == Status.QUEUED
            assert "AWS is throttling CreateFunction" in deployment.error_message
        deploy_queue.sent.pop(0)
        message["task"](*message["args"])

    assert waits == [0, 2, 4, 8]
    assert fault.hits == 3
    deployment.refresh_from_db()
    assert deployment.status == Status.FINISHED and deployment.version == "1"
    assert deployment.retries == 3 and deployment.error_message == ""


def test_endless_throttling_gives_up_and_points_at_quotas(
    ada, student, connected, post, deploy_queue, aws_fault, settings
):
    settings.CLOUD_THROTTLE_RETRIES = 2
    aws_fault("lambda.Invoke", 429, "TooManyRequestsException", "Rate exceeded")
    post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})
    deploy_queue.run_all()
    deployment = Deployment.objects.get()

    post(ada, reverse("cloud_invoke", args=[deployment.pk]), {"event": "{}"})
    countdowns = [m["countdown"] for m in deploy_queue.sent]
    deploy_queue.run_all()

    invocation = deployment.invocations.get()
    assert invocation.status == Status.ERROR
    assert "Gave up after 3 tries" in invocation.error_message
    assert "may be at a quota" in invocation.error_message
    assert countdowns == [0]  # the retries were queued by the worker, with waits 2 and 4


def test_a_duplicate_delivery_does_nothing(student, connected, deploy_queue, post, ada):
    from lambdalab.cloud import services

    deploy_with(post, ada, make_run(student), deploy_queue)
    deployment = Deployment.objects.get()

    assert services.deployment_execute(deployment_id=deployment.pk) is False
    assert Deployment.objects.get().deliveries == 1
