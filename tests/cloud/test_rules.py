"""Names, guardrails, policies and the local-vs-cloud comparison: rules that need no AWS."""

from __future__ import annotations

import json

import pytest

from lambdalab.cloud import jobs, naming, policies, selectors
from lambdalab.cloud.naming import GuardrailError


def test_function_names_follow_lambdas_rules():
    assert naming.function_name(learner="ada", exercise="hello-lambda") == (
        "lambdalab-ada-hello-lambda"
    )
    assert naming.function_name(learner="ada.l@uni.edu", exercise="x") == (
        "lambdalab-ada-l-uni-edu-x"
    )


def test_long_names_are_cut_to_64_and_stay_distinct():
    one = naming.function_name(learner="a" * 40, exercise="exercise-one-with-a-long-name")
    two = naming.function_name(learner="a" * 40, exercise="exercise-two-with-a-long-name")

    assert len(one) == len(two) == 64
    assert one != two and one.startswith("lambdalab-aaaa")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/lambda-exec",
        "arn:aws:iam::123456789012:role/service-role/my.role+x=y,z@w-1",
    ],
)
def test_role_arns_are_accepted(arn):
    assert naming.check_role_arn(arn) == arn


@pytest.mark.parametrize(
    "arn",
    [
        "lambda-exec",
        "arn:aws:iam::12345:role/x",
        "arn:aws:iam::123456789012:user/ada",
        "arn:aws:sts::123456789012:assumed-role/x/y",
    ],
)
def test_anything_but_a_role_arn_is_refused(arn):
    with pytest.raises(GuardrailError, match="must be an IAM role ARN"):
        naming.check_role_arn(arn)


def test_memory_and_timeout_stay_within_the_guardrails(settings):
    settings.CLOUD_MAX_MEMORY_MB, settings.CLOUD_MAX_TIMEOUT_SECONDS = 512, 10
    naming.check_memory_timeout(memory=512, timeout=10)
    with pytest.raises(GuardrailError, match="between 128 and 512 MB"):
        naming.check_memory_timeout(memory=1024, timeout=3)
    with pytest.raises(GuardrailError, match="between 1 and 10 seconds"):
        naming.check_memory_timeout(memory=128, timeout=11)


def test_regions_come_from_the_allow_list(settings):
    settings.CLOUD_REGIONS = ["eu-west-1"]
    assert naming.check_region("eu-west-1") == "eu-west-1"
    with pytest.raises(GuardrailError, match="only to these regions: eu-west-1"):
        naming.check_region("us-east-1")


@pytest.mark.parametrize(
    "expression", ["rate(5 minutes)", "rate(1 hour)", "rate(2 days)", "cron(0 12 * * ? *)"]
)
def test_gentle_schedules_are_accepted(expression):
    trigger = naming.check_trigger({"type": "schedule", "expression": expression})
    assert trigger == {"type": "schedule", "expression": expression}


@pytest.mark.parametrize(
    "expression",
    ["rate(1 minute)", "rate(2 minute)", "rate(1 hours)", "cron(* * * * ? *)", "every hour"],
)
def test_costly_or_malformed_schedules_are_refused(expression):
    with pytest.raises(GuardrailError):
        naming.check_trigger({"type": "schedule", "expression": expression})


def test_s3_triggers_need_a_valid_bucket_name():
    assert naming.check_trigger({"type": "s3", "bucket": "my-uploads"})["bucket"] == "my-uploads"
    with pytest.raises(GuardrailError, match="S3 bucket"):
        naming.check_trigger({"type": "s3", "bucket": "Bad_Bucket"})
    assert naming.check_trigger({"type": ""}) is None


def test_throttling_waits_double_and_are_capped():
    assert [jobs.backoff_seconds(n) for n in range(4)] == [2, 4, 8, 16]
    assert jobs.backoff_seconds(20) == jobs.MAX_BACKOFF_SECONDS


def test_trust_policy_names_lambdalab_and_requires_the_external_id():
    policy = policies.trust_policy(
        principal_arn="arn:aws:iam::111122223333:root", external_id="lambdalab-abc"
    )
    statement = policy["Statement"][0]

    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "lambdalab-abc"}}


def test_permission_policy_is_scoped_to_lambdalab_resources():
    policy = policies.permission_policy(region="eu-west-1", account_id="111122223333")
    by_sid = {s["Sid"]: s for s in policy["Statement"]}

    assert by_sid["LambdaLabFunctions"]["Resource"] == [
        "arn:aws:lambda:eu-west-1:111122223333:function:lambdalab-*"
    ]
    assert by_sid["PassExecutionRoleToLambda"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    assert set(policies.REQUIRED_ACTIONS) <= granted
    assert not any(a.endswith("*") for a in granted)
    json.dumps(policy)  # copyable as JSON


LOCAL = {
    "status": "success",
    "payload": {"n": 1},
    "function_error": None,
    "duration_ms": 1.2,
    "billed_duration_ms": 2,
    "init_duration_ms": 90.0,
    "memory_size_mb": 128,
    "max_memory_used_mb": 30,
    "logs": "START RequestId: 11111111-1111-1111-1111-111111111111 Version: $LATEST\n"
    "hello\nlocal only\n",
}
CLOUD = {
    **LOCAL,
    "duration_ms": 3.4,
    "billed_duration_ms": 4,
    "max_memory_used_mb": 30,
    "logs": "START RequestId: 22222222-2222-2222-2222-222222222222 Version: $LATEST\n"
    "hello\ncloud only\n",
}


def test_comparison_marks_the_figures_that_differ():
    rows = {r.label: r for r in selectors.comparison(local=LOCAL, cloud=CLOUD)["rows"]}

    assert rows["Duration"].differs and rows["Billed duration"].differs
    assert not rows["Max memory used"].differs and not rows["Memory size"].differs
    assert not rows["Status"].differs


def test_comparison_flags_a_different_payload():
    same = selectors.comparison(local=LOCAL, cloud=CLOUD)
    other = selectors.comparison(local=LOCAL, cloud={**CLOUD, "payload": {"n": 2}})

    assert same["payload_differs"] is False and other["payload_differs"] is True


def test_log_diff_ignores_request_ids_and_highlights_one_sided_lines():
    lines = selectors.log_diff(LOCAL["logs"], CLOUD["logs"])

    assert [line["kind"] for line in lines] == ["same", "same", "local", "cloud"]
    assert lines[2]["local"] == "local only" and lines[3]["cloud"] == "cloud only"


def test_only_runtimes_and_architectures_the_sandbox_knows_are_deployed():
    naming.check_runtime(runtime="python3.12", architecture="arm64")
    with pytest.raises(GuardrailError, match="these runtimes: python3.12"):
        naming.check_runtime(runtime="nodejs20.x", architecture="x86_64")
    with pytest.raises(GuardrailError, match="architecture"):
        naming.check_runtime(runtime="python3.13", architecture="sparc")
