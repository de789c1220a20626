"""A learner connects their sandbox account, verifies it, deploys, updates, invokes, tears down.

Everything goes over HTTP to a moto server with real boto3; the worker is the real task code,
run when the test says so.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from lambdalab.cloud.models import CloudAccount, CloudInvocation, Deployment, Status, Teardown
from lambdalab.submissions.models import Run

pytestmark = pytest.mark.django_db

HANDLER = "def lambda_handler(event, context):\n    return {'echo': event}\n"
LOCAL_RECORD_KEYS = {
    "request_id",
    "status",
    "payload",
    "function_error",
    "logs",
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "max_memory_used_mb",
    "memory_size_mb",
    "cold_start",
    "log_stream_name",
    "cost_usd",
}


def make_run(user, source=HANDLER, memory=256, timeout=5) -> Run:
    return Run.objects.create(
        user=user,
        files={"lambda_function.py": source},
        event={"hello": "world"},
        handler="lambda_function.lambda_handler",
        config={"memory": memory, "timeout": timeout, "environment": {"STAGE": "lab"}},
        status=Status.FINISHED,
    )


def deploy(post, client, run, deploy_queue, **fields):
    response = post(client, reverse("cloud_deploy"), {"run": run.pk, **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    deploy_queue.run_all()
    return Deployment.objects.latest("created_at")


def test_cloud_page_shows_policies_with_the_learners_own_external_id(ada, student, cloud_settings):
    page = ada.get(reverse("cloud")).content.decode()

    account = CloudAccount.objects.get(user=student)
    assert account.external_id.startswith("lambdalab-")
    assert f"&quot;sts:ExternalId&quot;: &quot;{account.external_id}&quot;" in page
    # LambdaLab's own principal, looked up with its own keys when no setting names it
    assert "arn:aws:iam::123456789012:root" in page
    assert "lambda:CreateFunction" in page and "iam:PassRole" in page
    assert "lambda.amazonaws.com" in page


def test_external_id_differs_between_learners_and_survives_reconnecting(
    student, classmate, learner_account
):
    from lambdalab.cloud import services

    first = services.account_get(user=student).external_id
    services.account_connect(
        user=student, mode="role", region="eu-west-1", role_arn=learner_account.role_arn
    )
    assert services.account_get(user=student).external_id == first
    assert services.account_get(user=classmate).external_id != first


def test_learner_connects_a_role_and_verify_reports_identity_and_permissions(
    ada, student, learner_account, post, deploy_queue
):
    response = post(
        ada,
        reverse("cloud_connect"),
        {
            "mode": "role",
            "region": "eu-west-1",
            "role_arn": learner_account.role_arn,
            "execution_role_arn": learner_account.execution_role(),
        },
    )
    assert response.status_code == 302

    response = post(ada, reverse("cloud_verify"), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in response.content.decode()  # polls while it is queued
    assert deploy_queue.sent[0]["queue"] == "deploy"
    deploy_queue.run_all()

    account = CloudAccount.objects.get(user=student)
    assert account.aws_account_id == learner_account.account_id
    assert account.verified_at is not None
    panel = ada.get(reverse("cloud_verification"), HTTP_HX_REQUEST="true").content.decode()
    assert "assumed-role/LambdaLabAccess/lambdalab-" in panel
    assert "every 1s" not in panel  # finished: the trigger is gone
    # moto has no IAM simulation, so harmless reads were tried and the rest left for first use
    assert "tried harmless read calls" in panel
    assert "lambda:ListFunctions" in panel and "more permissions checked on first use" in panel


def test_deploy_creates_a_tagged_function_and_publishes_version_1(
    ada, student, connected, post, deploy_queue
):
    deployment = deploy(post, ada, make_run(student), deploy_queue)

    assert deployment.status == Status.FINISHED, deployment.error_message
    assert deployment.function_name == "lambdalab-ada-playground"
    assert deployment.version == "1" and deployment.created_function is True
    lam = connected.client("lambda")
    config = lam.get_function_configuration(FunctionName="lambdalab-ada-playground")
    assert (config["MemorySize"], config["Timeout"], config["Runtime"]) == (256, 5, "python3.12")
    assert config["Environment"]["Variables"] == {"STAGE": "lab"}
    tags = lam.list_tags(Resource=config["FunctionArn"])["Tags"]
    assert tags == {
        "lambdalab:owner": f"user-{student.pk}",
        "lambdalab:exercise": "lambdalab-ada-playground",
    }
    page = ada.get(deployment.get_absolute_url()).content.decode()
    assert "Version <strong>1</strong> is published and Active (new function)" in page


def test_redeploying_changed_code_updates_the_function_and_publishes_version_2(
    ada, student, connected, post, deploy_queue
):
    first = deploy(post, ada, make_run(student), deploy_queue)
    second = deploy(
        post, ada, make_run(student, source=HANDLER + "# v2\n", memory=512), deploy_queue
    )

    assert second.status == Status.FINISHED, second.error_message
    assert (second.version, second.created_function) == ("2", False)
    assert second.code_sha256 != first.code_sha256
    config = connected.client("lambda").get_function_configuration(
        FunctionName=second.function_name
    )
    assert config["MemorySize"] == 512


def test_invoke_gives_a_record_shaped_like_a_local_run(ada, student, connected, post, deploy_queue):
    deployment = deploy(post, ada, make_run(student), deploy_queue)

    response = post(
        ada, reverse("cloud_invoke", args=[deployment.pk]), {"event": json.dumps({"order": 42})}
    )
    assert response.status_code == 302
    deploy_queue.run_all()

    invocation = CloudInvocation.objects.get()
    assert invocation.status == Status.FINISHED, invocation.error_message
    assert set(invocation.record) == LOCAL_RECORD_KEYS
    # moto's simple Lambda echoes the event and sends no log tail (AWS would send one)
    assert invocation.record["payload"] == {"order": 42}
    assert invocation.record["status"] == "success"
    assert invocation.record["memory_size_mb"] == 256
    assert invocation.record["duration_ms"] is None
    page = ada.get(invocation.get_absolute_url()).content.decode()
    assert "&quot;order&quot;: 42" in page and "not reported" in page


def test_invoke_with_comparison_queues_the_same_code_and_event_locally(
    ada, student, connected, post, deploy_queue, monkeypatch
):
    from lambdalab.submissions import tasks as submission_tasks

    local_jobs = []
    monkeypatch.setattr(
        submission_tasks.execute_run,
        "apply_async",
        lambda args, **options: local_jobs.append((args, options)),
    )
    deployment = deploy(post, ada, make_run(student), deploy_queue)

    post(
        ada,
        reverse("cloud_invoke", args=[deployment.pk]),
        {"event": '{"order": 7}', "compare_locally": "on"},
    )

    invocation = CloudInvocation.objects.get()
    local = invocation.local_run
    assert local.files == deployment.files and local.event == {"order": 7}
    assert local.config["memory"] == 256
    assert local_jobs == [([local.pk], {"queue": "interactive"})]
    page = ada.get(invocation.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page  # both sides pending: the panel polls


def test_teardown_deletes_only_this_learners_functions_rules_and_permissions(
    ada, student, classmate, connected, post, deploy_queue, django_capture_on_commit_callbacks
):
    from lambdalab.cloud import services

    s3 = connected.client("s3")
    s3.create_bucket(
        Bucket=f"uploads-{connected.account_id}",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    bucket = f"uploads-{connected.account_id}"
    deploy(post, ada, make_run(student), deploy_queue, trigger="schedule", schedule="rate(1 hour)")
    with django_capture_on_commit_callbacks(execute=True):
        services.deployment_create(
            user=student,
            files={"lambda_function.py": HANDLER},
            config={},
            handler="lambda_function.lambda_handler",
            source="test",
            exercise_slug="uploads",
            trigger={"type": "s3", "bucket": bucket},
        )
    # A classmate deploying into the same (class) account must not lose their function.
    services.account_connect(
        user=classmate,
        mode="role",
        region="eu-west-1",
        role_arn=connected.role_arn,
        execution_role_arn=f"arn:aws:iam::{connected.account_id}:role/lambda-exec",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.deployment_create(
            user=classmate,
            files={"lambda_function.py": HANDLER},
            config={},
            handler="lambda_function.lambda_handler",
            source="test",
            exercise_slug="mine",
        )
    deploy_queue.run_all()
    lam, events = connected.client("lambda"), connected.client("events")
    assert len(lam.list_functions()["Functions"]) == 3
    assert events.list_rules(NamePrefix="lambdalab-")["Rules"]
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]

    response = post(ada, reverse("cloud_teardown_create"), {"confirm": "on"})
    assert response.status_code == 302
    deploy_queue.run_all()

    teardown = Teardown.objects.get(user=student)
    assert teardown.status == Status.FINISHED, teardown.error_message
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert names == ["lambdalab-grace-mine"]
    assert events.list_rules(NamePrefix="lambdalab-")["Rules"] == []
    notifications = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert not notifications.get("LambdaFunctionConfigurations")
    assert sorted(teardown.report["functions"]) == [
        "eu-west-1: lambdalab-ada-playground",
        "eu-west-1: lambdalab-ada-uploads",
    ]
    assert len(teardown.report["permissions"]) == 2
    assert not Deployment.objects.filter(
        user=student, torn_down_at__isnull=True, status=Status.FINISHED
    ).exists()
    page = ada.get(teardown.get_absolute_url()).content.decode()
    assert "2 functions" in page and "1 schedule rule" in page and "Cost of what ran" in page


def test_teardown_needs_confirmation(ada, connected, post, deploy_queue):
    response = post(ada, reverse("cloud_teardown_create"), {})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert deploy_queue.sent == []


def test_reconnecting_asks_for_a_fresh_verify(ada, student, connected, post, deploy_queue):
    from lambdalab.cloud import services

    post(ada, reverse("cloud_verify"))
    deploy_queue.run_all()
    assert 'badge badge-ok">ready' in ada.get(reverse("cloud")).content.decode()

    services.account_connect(
        user=student, mode="role", region="us-east-1", role_arn=connected.role_arn
    )

    page = ada.get(reverse("cloud")).content.decode()
    assert "assumed-role/LambdaLabAccess" not in page
    assert 'badge badge-ok">ready' not in page
