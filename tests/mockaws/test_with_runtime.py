"""The whole path with the real sandboxed runtime: plain boto3 handlers, triggers, graders' view."""

from __future__ import annotations

import pytest

from lambdalab import runtime as runtime_module
from lambdalab.mockaws import MockAccount
from lambdalab.mockaws.triggers import Triggers
from tests.ci import skip_or_fail
from tests.mockaws.data import typical_fixture

STOP_DEV = """
import boto3

ec2 = boto3.client("ec2")

def lambda_handler(event, context):
    pages = ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "tag:Environment", "Values": ["dev"]},
                 {"Name": "instance-state-name", "Values": ["running"]}])
    ids = [i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]]
    if ids:
        ec2.stop_instances(InstanceIds=ids)
    return {"stopped": len(ids)}
"""

RECORD_UPLOAD = """
import json, urllib.parse
import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table("Payments")

def lambda_handler(event, context):
    record = event["Records"][0]["s3"]
    key = urllib.parse.unquote_plus(record["object"]["key"])
    order = json.loads(s3.get_object(Bucket=record["bucket"]["name"], Key=key)["Body"].read())
    table.put_item(Item={"order_id": order["order_id"], "created_at": "2026-12-01T00:00:00Z",
                         "source_key": key})
    return key
"""


@pytest.fixture(scope="module")
def runtime():
    rt = runtime_module.Runtime()
    try:
        probe = rt.invoke(_config("def lambda_handler(e, c):\n    return 1\n"), {})
    except runtime_module.IsolationUnavailable as exc:
        rt.close()
        skip_or_fail(f"sandbox unavailable here: {exc}")
    assert probe.status == "success", probe.to_dict()
    yield rt
    rt.close()


def _config(source: str):
    # A generous timeout: this machine is shared, and a slow cold start is not what we test.
    return runtime_module.FunctionConfig(code={"lambda_function.py": source}, timeout=60)


def test_cost_saver_in_the_real_sandbox_stops_exactly_the_tagged_instances(runtime):
    with MockAccount.start(fixtures=typical_fixture()) as acct:
        first = runtime.invoke(_config(STOP_DEV), {}, owner="ada", aws=acct)
        second = runtime.invoke(_config(STOP_DEV), {}, owner="ada", aws=acct)
        instances = acct.state()["ec2"]["instances"]
    assert first.status == "success" and first.payload == {"stopped": 5}
    assert second.payload == {"stopped": 0}
    assert sorted(n for n, i in instances.items() if i["state"] == "stopped") == [
        "web-dev-0",
        "web-dev-2",
        "web-dev-4",
        "web-dev-6",
        "web-dev-8",
    ]


def test_an_upload_trigger_runs_the_learner_handler_against_the_same_account(runtime):
    with (
        MockAccount.start(fixtures=typical_fixture()) as acct,
        Triggers(
            account=acct, runtime=runtime, functions={"recorder": _config(RECORD_UPLOAD)}
        ) as t,
    ):
        t.on_s3(function="recorder", bucket="uploads", suffix=".json")
        (record,) = t.upload_object(
            bucket="uploads", key="in/order 77.json", body='{"order_id": "o-77"}'
        )
        items = acct.state()["dynamodb"]["Payments"]["items"]
    assert record.status == "success", record.invocation["logs"]
    assert record.invocation["payload"] == "in/order 77.json"
    assert {
        "order_id": "o-77",
        "created_at": "2026-12-01T00:00:00Z",
        "source_key": "in/order 77.json",
    } in items


def test_without_a_mock_account_the_handler_cannot_reach_aws(runtime):
    inv = runtime.invoke(_config(STOP_DEV), {}, owner="ada")
    assert inv.status == "error" and "EndpointConnectionError" in inv.payload["errorType"]
    assert "Could not connect to the endpoint URL" in inv.payload["errorMessage"]


LOAD_CONFIG_AT_INIT = """
import boto3

# Module-level AWS calls run once per cold start, as learners are taught to do on Lambda.
s3 = boto3.client("s3")
BUCKETS = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])

def lambda_handler(event, context):
    return {"buckets_seen_at_init": BUCKETS,
            "buckets_now": sorted(b["Name"] for b in s3.list_buckets()["Buckets"])}
"""


def test_aws_calls_in_init_code_reach_the_first_invocations_account(runtime):
    config = _config(LOAD_CONFIG_AT_INIT)
    with MockAccount.start(fixtures=typical_fixture()) as acct:
        cold = runtime.invoke(config, {}, owner="grace", aws=acct)
        acct.boto3_client("s3").create_bucket(Bucket="made-later")
        warm = runtime.invoke(config, {}, owner="grace", aws=acct)
        expected = sorted(b["Name"] for b in acct.boto3_client("s3").list_buckets()["Buckets"])
    assert cold.status == "success", cold.logs
    assert cold.cold_start and not warm.cold_start
    assert cold.payload["buckets_seen_at_init"] == cold.payload["buckets_now"]
    # INIT ran once: the warm invoke still holds what INIT saw, and sees the new bucket live.
    assert "made-later" not in warm.payload["buckets_seen_at_init"]
    assert warm.payload["buckets_now"] == expected


def test_init_code_without_a_mock_account_fails_as_an_init_error(runtime):
    inv = runtime.invoke(_config(LOAD_CONFIG_AT_INIT), {}, owner="hedy")
    assert inv.status == "error" and inv.cold_start
    assert inv.payload["errorType"] == "EndpointConnectionError"
    assert "INIT_REPORT" in inv.logs
