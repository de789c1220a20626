"""Actions on the mock invoke wired functions with the events AWS would send, all recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import pytest

from lambdalab.mockaws import MockAccount
from lambdalab.mockaws.triggers import MAX_CHAIN, Triggers

START = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)  # a Monday

FIXTURE = {
    "s3": {
        "buckets": [
            {
                "name": "uploads",
                "notifications": [
                    {
                        "function": "thumbnailer",
                        "events": ["s3:ObjectCreated:*"],
                        "prefix": "images/",
                    }
                ],
            },
            {"name": "loop"},
        ]
    },
    "dynamodb": {
        "tables": [
            {
                "name": "Payments",
                "partition_key": {"name": "order_id", "type": "S"},
                "stream": "NEW_AND_OLD_IMAGES",
            }
        ]
    },
    "sqs": {"queues": [{"name": "orders"}]},
    "sns": {"topics": [{"name": "alerts"}]},
    "cloudwatch": {
        "alarms": [
            {
                "name": "high-cpu",
                "namespace": "AWS/EC2",
                "metric": "CPUUtilization",
                "threshold": 80,
                "comparison": "GreaterThanThreshold",
                "state": "OK",
                "dimensions": {"InstanceId": "i-1"},
            }
        ]
    },
    "events": {
        "rules": [
            {"name": "nightly-stop", "schedule": "cron(0 19 ? * MON-FRI *)"},
            {"name": "every-5", "schedule": "rate(5 minutes)"},
        ]
    },
}


class FakeInvocation:
    def __init__(self, status: str, payload):
        self.status, self.payload = status, payload

    def to_dict(self):
        return {
            "status": self.status,
            "payload": self.payload,
            "function_error": None if self.status == "success" else "Unhandled",
        }


class FakeRuntime:
    """Stands in for lambdalab.runtime.Runtime: each function is a Python callable."""

    def __init__(self):
        self.calls = []

    def invoke(self, config, event, *, owner, cold, aws):
        self.calls.append((config["name"], event))
        try:
            return FakeInvocation("success", config["fn"](event, aws))
        except Exception as exc:
            return FakeInvocation("error", {"errorMessage": str(exc)})


def functions(**fns):
    return {name: {"name": name, "fn": fn} for name, fn in fns.items()}


@pytest.fixture
def account():
    with MockAccount.start(fixtures=FIXTURE) as acct:
        yield acct


def test_upload_into_a_notified_prefix_invokes_with_the_s3_put_event(account):
    rt = FakeRuntime()
    with Triggers(
        account=account, runtime=rt, functions=functions(thumbnailer=lambda e, a: "ok"), clock=START
    ) as triggers:
        assert triggers.wire_fixture_notifications() == 1
        triggers.upload_object(bucket="uploads", key="images/cat 1.png", body=b"\x89PNG")
        triggers.upload_object(bucket="uploads", key="docs/readme.txt", body="not an image")
    (record,) = triggers.records
    obj = record.event["Records"][0]["s3"]["object"]
    assert record.kind == "s3" and record.status == "success" and record.attempt == 1
    assert unquote_plus(obj["key"]) == "images/cat 1.png" and obj["size"] == 4
    assert record.event["Records"][0]["eventTime"].startswith("2026-12-07T18:00:00")


def test_a_failing_async_invocation_is_retried_twice_and_every_attempt_recorded(account):
    def broken(event, aws):
        raise RuntimeError("cannot parse")

    with Triggers(
        account=account, runtime=FakeRuntime(), functions=functions(thumbnailer=broken), clock=START
    ) as triggers:
        triggers.on_s3(function="thumbnailer", bucket="uploads")
        triggers.upload_object(bucket="uploads", key="x.csv", body="a")
        records = triggers.wait()
    assert [(r.attempt, r.status) for r in records] == [(1, "error"), (2, "error"), (3, "error")]
    assert all(r.event == records[0].event for r in records)


def test_advancing_the_clock_fires_each_schedule_at_its_times_in_order(account):
    rt = FakeRuntime()
    with Triggers(
        account=account,
        runtime=rt,
        clock=START,
        functions=functions(stopper=lambda e, a: None, poller=lambda e, a: None),
    ) as t:
        t.on_schedule(function="stopper", rule="nightly-stop")
        t.on_schedule(function="poller", rule="every-5")
        records = t.advance_clock(hours=2)
        account.boto3_client("events").disable_rule(Name="every-5")
        later = t.advance_clock(to=datetime(2026, 12, 12, 20, 0, tzinfo=UTC))  # to Saturday
    stops = [r.event["time"] for r in records + later if r.function == "stopper"]
    assert stops == [
        "2026-12-07T19:00:00Z",
        "2026-12-08T19:00:00Z",
        "2026-12-09T19:00:00Z",
        "2026-12-10T19:00:00Z",
        "2026-12-11T19:00:00Z",
    ]
    polls = [r for r in records if r.function == "poller"]
    assert len(polls) == 24 and polls[0].event["time"] == "2026-12-07T18:05:00Z"
    assert not [r for r in later if r.function == "poller"], "a disabled rule must not fire"
    assert polls[0].event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/every-5"]


def test_item_writes_reach_a_stream_function_as_insert_modify_remove(account):
    rt = FakeRuntime()
    with Triggers(account=account, runtime=rt, functions=functions(audit=lambda e, a: None)) as t:
        t.on_dynamodb_stream(function="audit", table="Payments")
        t.write_item(table="Payments", item={"order_id": "o-1", "amount": 12.5})
        t.write_item(table="Payments", item={"order_id": "o-1", "amount": 15})
        t.delete_item(table="Payments", key={"order_id": "o-1"})
    names = [r.event["Records"][0]["eventName"] for r in t.records]
    assert names == ["INSERT", "MODIFY", "REMOVE"]
    modify = t.records[1].event["Records"][0]["dynamodb"]
    assert modify["OldImage"]["amount"] == {"N": "12.5"} and modify["NewImage"]["amount"] == {
        "N": "15"
    }


def test_sqs_batches_are_deleted_only_when_the_function_succeeds(account):
    outcomes = iter(["fail", "ok"])

    def worker(event, aws):
        if next(outcomes) == "fail":
            raise ValueError("bad batch")
        return len(event["Records"])

    with Triggers(account=account, runtime=FakeRuntime(), functions=functions(worker=worker)) as t:
        t.on_sqs(function="worker", queue="orders")
        first = t.send_message(queue="orders", body=json.dumps({"order_id": "o-1"}))
        assert account.state()["sqs"]["orders"] == {"messages": 0, "in_flight": 1}
        account.boto3_client("sqs").change_message_visibility(
            QueueUrl=account.boto3_client("sqs").get_queue_url(QueueName="orders")["QueueUrl"],
            ReceiptHandle=first[0].event["Records"][0]["receiptHandle"],
            VisibilityTimeout=0,
        )
        second = t.pump()
    assert first[0].status == "error" and second[0].status == "success"
    assert second[0].event["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert account.state()["sqs"]["orders"] == {"messages": 0, "in_flight": 0}


def test_alarm_transition_sends_the_state_change_and_no_event_without_a_change(account):
    with Triggers(
        account=account,
        runtime=FakeRuntime(),
        clock=START,
        functions=functions(pager=lambda e, a: None),
    ) as t:
        t.on_alarm(function="pager", alarm="high-cpu")
        fired = t.set_alarm_state(alarm="high-cpu", state="ALARM")
        again = t.set_alarm_state(alarm="high-cpu", state="ALARM")
    detail = fired[0].event["detail"]
    assert detail["state"]["value"] == "ALARM" and detail["previousState"]["value"] == "OK"
    assert detail["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] == {
        "InstanceId": "i-1"
    }
    assert again == []
    assert account.state()["cloudwatch"]["alarms"]["high-cpu"]["state"] == "ALARM"


def test_sns_publish_invokes_subscribers(account):
    with Triggers(
        account=account,
        runtime=FakeRuntime(),
        functions=functions(notify=lambda e, a: e["Records"][0]["Sns"]["Message"]),
    ) as t:
        t.on_sns(function="notify", topic="alerts")
        (record,) = t.publish(topic="alerts", message="disk full", subject="Disk")
    assert record.invocation["payload"] == "disk full"


def test_handler_writes_cascade_to_other_triggers_and_a_recursive_loop_is_cut(account):
    def fan_out(event, aws):
        key = event["Records"][0]["s3"]["object"]["key"]
        aws.boto3_client("dynamodb").put_item(TableName="Payments", Item={"order_id": {"S": key}})

    def copier(event, aws):
        n = len(event["Records"][0]["s3"]["object"]["key"])
        aws.boto3_client("s3").put_object(Bucket="loop", Key="k" * (n + 1), Body=b"again")

    with Triggers(
        account=account,
        runtime=FakeRuntime(),
        functions=functions(fan_out=fan_out, audit=lambda e, a: None, copier=copier),
    ) as t:
        t.on_s3(function="fan_out", bucket="uploads")
        t.on_dynamodb_stream(function="audit", table="Payments")
        t.on_s3(function="copier", bucket="loop")
        t.upload_object(bucket="uploads", key="order.json", body="{}")
        assert [r.function for r in t.records] == ["fan_out", "audit"]
        t.upload_object(bucket="loop", key="k", body="start")
    loops = [r for r in t.records if r.function == "copier"]
    assert len(loops) == MAX_CHAIN + 1  # the upload itself, then at most MAX_CHAIN rounds


def test_deletes_reach_only_functions_wired_to_removals(account):
    rt = FakeRuntime()
    with Triggers(
        account=account,
        runtime=rt,
        functions=functions(on_create=lambda e, a: None, on_delete=lambda e, a: None),
    ) as t:
        t.on_s3(function="on_create", bucket="uploads")
        t.on_s3(function="on_delete", bucket="uploads", event_names=("s3:ObjectRemoved:*",))
        t.upload_object(bucket="uploads", key="a.txt", body="x")
        t.delete_object(bucket="uploads", key="a.txt")
    assert [(r.function, r.event["Records"][0]["eventName"]) for r in t.records] == [
        ("on_create", "ObjectCreated:Put"),
        ("on_delete", "ObjectRemoved:Delete"),
    ]
    removed = t.records[1].event["Records"][0]["s3"]["object"]
    assert set(removed) == {"key", "sequencer"}
    assert "a.txt" not in account.state()["s3"]["uploads"]


def test_exercise_trigger_specs_wire_the_same_sources(account):
    rt = FakeRuntime()
    with Triggers(
        account=account, runtime=rt, clock=START, functions=functions(f=lambda e, a: None)
    ) as t:
        t.wire(function="f", spec={"type": "schedule", "expression": "cron(0 7,19 ? * MON-FRI *)"})
        t.wire(
            function="f",
            spec={"type": "s3", "bucket": "uploads", "prefix": "daily/", "suffix": ".csv"},
        )
        t.wire(function="f", spec={"type": "alarm", "name": "high-cpu"})
        with pytest.raises(ValueError, match="not an event source"):
            t.wire(function="f", spec={"type": "api", "method": "GET", "path": "/"})
        fired = t.advance_clock(hours=14)
        t.upload_object(bucket="uploads", key="daily/a.csv", body="x")
        t.upload_object(bucket="uploads", key="daily/a.txt", body="x")
        t.set_alarm_state(alarm="high-cpu", state="ALARM")
    assert [r.event["time"] for r in fired] == ["2026-12-07T19:00:00Z", "2026-12-08T07:00:00Z"]
    assert account.state()["events"]["rules"]["f-schedule"]["schedule"] == (
        "cron(0 7,19 ? * MON-FRI *)"
    )
    assert [r.kind for r in t.records] == ["schedule", "schedule", "s3", "alarm"]
