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


def test_a_role_whose_trust_policy_refuses_lambdalab_points_at_the_trust_policy(
    ada, student, connected, post, deploy_queue, aws_fault
):
    aws_fault(
        "sts.AssumeRole",
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/lambdalab is not authorized to perform: "
        "sts:AssumeRole",
        protocol="query",
    )

    post(ada, reverse("cloud_verify"))
    deploy_queue.run_all()

    verification = Verification.objects.get()
    assert verification.status == Status.ERROR
    assert "AWS refused to let it assume your role" in verification.error_message
    assert "with your ExternalId" in verification.error_message


SIMULATION = """<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>{}
  </EvaluationResults></SimulatePrincipalPolicyResult>
  <ResponseMetadata><RequestId>sim</RequestId></ResponseMetadata>
</SimulatePrincipalPolicyResponse>"""
RESULT = """<member><EvalActionName>{}</EvalActionName><EvalResourceName>*</EvalResourceName>
  <EvalDecision>{}</EvalDecision><MatchedStatements/><MissingContextValues/></member>"""


def test_verify_uses_iam_simulation_where_available_and_lists_what_is_denied(
    ada, student, connected, post, deploy_queue, monkeypatch
):
    """IAM answers SimulatePrincipalPolicy (moto does not): its real response shape is replayed."""
    import io

    from botocore import handlers
    from botocore.awsrequest import AWSResponse

    asked = []

    class Raw(io.BytesIO):
        def stream(self, **_kwargs):
            yield self.read()

    def simulate(request, **_kwargs):
        from urllib.parse import parse_qs

        form = parse_qs(request.body.decode() if isinstance(request.body, bytes) else request.body)
        actions = [v[0] for k, v in sorted(form.items()) if k.startswith("ActionNames.member")]
        asked.append((form["PolicySourceArn"][0], form["ResourceArns.member.1"][0], actions))
        members = "".join(
            RESULT.format(a, "implicitDeny" if a == "iam:PassRole" else "allowed") for a in actions
        )
        return AWSResponse(
            request.url, 200, {"Content-Type": "text/xml"}, Raw(SIMULATION.format(members).encode())
        )

    monkeypatch.setattr(
        handlers,
        "BUILTIN_HANDLERS",
        [*handlers.BUILTIN_HANDLERS, ("before-send.iam.SimulatePrincipalPolicy", simulate)],
    )

    post(ada, reverse("cloud_verify"))
    deploy_queue.run_all()

    verification = Verification.objects.get()
    assert verification.report["method"] == "simulation"
    denied = [c["action"] for c in verification.report["checks"] if c["result"] == "denied"]
    assert denied == ["iam:PassRole"]
    # the role itself is simulated, against the kind of resource LambdaLab creates
    principal, resource, _ = asked[0]
    assert principal == connected.role_arn
    assert resource == f"arn:aws:lambda:eu-west-1:{connected.account_id}:function:lambdalab-probe"
    panel = ada.get(reverse("cloud_verification"), HTTP_HX_REQUEST="true").content.decode()
    assert "permissions missing" in panel and "Checked with iam:SimulatePrincipalPolicy" in panel


def test_disconnecting_while_a_deploy_waits_fails_it_with_a_message(
    ada, student, connected, post, deploy_queue
):
    post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})
    post(ada, reverse("cloud_disconnect"))
    deploy_queue.run_all()

    deployment = Deployment.objects.get()
    assert deployment.status == Status.ERROR
    assert "Your AWS account was disconnected" in deployment.error_message


def test_an_unexpected_fault_fails_the_job_plainly_instead_of_leaving_it_running(
    ada, student, connected, post, deploy_queue, monkeypatch
):
    from lambdalab.cloud import deploy

    def broken(**_kwargs):
        raise KeyError("FunctionArn")

    monkeypatch.setattr(deploy, "function_deploy", broken)
    post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})
    deploy_queue.run_all()

    deployment = Deployment.objects.get()
    assert deployment.status == Status.ERROR and deployment.error_code == "KeyError"
    assert "LambdaLab hit an unexpected problem" in deployment.error_message


def test_without_iam_simulation_a_refused_read_is_reported_as_denied(
    ada, student, connected, post, deploy_queue, aws_fault
):
    aws_fault("lambda.ListFunctions", 403, "AccessDeniedException", "not authorized")

    post(ada, reverse("cloud_verify"))
    deploy_queue.run_all()

    verification = Verification.objects.get()
    assert verification.status == Status.FINISHED
    results = {c["action"]: c["result"] for c in verification.report["checks"]}
    assert results["lambda:ListFunctions"] == "denied"
    assert results["events:ListRules"] == "allowed"
    panel = ada.get(reverse("cloud_verification"), HTTP_HX_REQUEST="true").content.decode()
    assert "permissions missing" in panel
