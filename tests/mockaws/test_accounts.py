"""Each run gets its own account: same names, no leakage, state read from the trusted side."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from lambdalab.mockaws import FixtureError, MockAccount
from tests.mockaws.data import typical_fixture

SAME_NAMES = {
    "s3": {"buckets": [{"name": "uploads", "objects": [{"key": "shared.txt", "body": "seed"}]}]},
    "dynamodb": {"tables": [{"name": "Payments", "partition_key": {"name": "id", "type": "S"}}]},
    "ec2": {"instances": [{"name": "web-1"}]},
}


def _learner_writes(acct: MockAccount, marker: str) -> None:
    s3 = acct.boto3_client("s3")
    s3.put_object(Bucket="uploads", Key=f"{marker}.txt", Body=marker.encode())
    s3.put_object(Bucket="uploads", Key="shared.txt", Body=marker.encode())
    acct.boto3_client("dynamodb").put_item(TableName="Payments", Item={"id": {"S": marker}})
    ec2 = acct.boto3_client("ec2")
    ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": marker}]}
        ],
    )


def test_two_concurrent_runs_with_the_same_names_never_see_each_other():
    with (
        MockAccount.start(fixtures=SAME_NAMES) as alice,
        MockAccount.start(fixtures=SAME_NAMES) as bob,
    ):
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(_learner_writes, [alice, bob], ["alice", "bob"]))
        a, b = alice.state(), bob.state()
    assert sorted(a["s3"]["uploads"]) == ["alice.txt", "shared.txt"]
    assert sorted(b["s3"]["uploads"]) == ["bob.txt", "shared.txt"]
    assert a["dynamodb"]["Payments"]["items"] == [{"id": "alice"}]
    assert b["dynamodb"]["Payments"]["items"] == [{"id": "bob"}]
    assert set(a["ec2"]["instances"]) == {"web-1", "alice"}
    assert set(b["ec2"]["instances"]) == {"web-1", "bob"}
    # Runs of one fixture fork the same seeded template: the fixture's ids are the same in
    # both, while what each learner creates gets its own ids.
    assert a["ec2"]["instances"]["web-1"]["id"] == b["ec2"]["instances"]["web-1"]["id"]
    assert a["ec2"]["instances"]["alice"]["id"] != b["ec2"]["instances"]["bob"]["id"]


def test_runs_forked_from_one_template_start_from_the_pristine_fixture():
    with MockAccount.start(fixtures=SAME_NAMES) as first:
        first.boto3_client("s3").delete_object(Bucket="uploads", Key="shared.txt")
        first.boto3_client("ec2").terminate_instances(
            InstanceIds=[first.state()["ec2"]["instances"]["web-1"]["id"]]
        )
        with MockAccount.start(fixtures=SAME_NAMES) as second:
            assert second.from_template
            assert second.read_object("uploads", "shared.txt") == b"seed"
            assert second.state()["ec2"]["instances"]["web-1"]["state"] == "running"


def test_a_closed_run_leaves_nothing_behind_for_the_next_one():
    with MockAccount.start(fixtures=SAME_NAMES) as first:
        first.boto3_client("s3").put_object(Bucket="uploads", Key="leftover", Body=b"x")
    with MockAccount.start(fixtures=SAME_NAMES) as second:
        assert sorted(second.state()["s3"]["uploads"]) == ["shared.txt"]
        with pytest.raises(KeyError):
            second.read_object("uploads", "leftover")


def test_the_typical_fixture_reads_back_in_the_documented_state_format():
    with MockAccount.start(fixtures=typical_fixture()) as acct:
        state = acct.state()
        body = acct.read_object("reports", "data/order-0.json")
        location = acct.boto3_client("s3").get_bucket_location(Bucket="archive")[
            "LocationConstraint"
        ]
    assert state["s3"]["uploads"]["reports/r00.csv"] == {
        "size": 16,
        "etag": '"' + hashlib.md5(b"id,amount\n0,0.0\n").hexdigest() + '"',
        "content_type": "text/csv",
    }
    assert state["s3"]["archive"] == {}
    assert location == "eu-west-1"
    dev0 = state["ec2"]["instances"]["web-dev-0"]
    assert dev0["id"].startswith("i-") and dev0["state"] == "running" and dev0["type"] == "t3.micro"
    assert dev0["tags"] == {"Environment": "dev", "Name": "web-dev-0"}
    assert dev0["launch_time"].startswith("2026-11-01T08:00:00")
    assert state["ec2"]["volumes"]["data-1"] | {"id": None} == {
        "id": None,
        "size": 8,
        "state": "in-use",
        "attached_to": "web-dev-0",
        "tags": {},
    }
    assert state["ec2"]["volumes"]["scratch"]["state"] == "available"
    snaps = state["ec2"]["snapshots"]
    assert snaps["snap-old"]["volume"] == "data-1" and snaps["snap-old"]["description"] == "nightly"
    assert snaps["snap-old"]["start_time"].startswith("2026-01-01T00:00:00")
    assert snaps["snap-orphan"]["volume"] == "deleted"
    items = state["dynamodb"]["Payments"]["items"]
    assert len(items) == 50
    assert items[1] == {
        "order_id": "o-1",
        "created_at": "2026-11-01T12:01:00Z",
        "amount": 13.5,
        "paid": False,
    }
    assert items[0]["amount"] == 12.5 and isinstance(items[2]["amount"], float)
    assert body == b'{"order_id": "o-0", "total": 12.5}'


def test_every_service_in_the_fixture_format_is_seeded():
    fixture = {
        "sqs": {
            "queues": [
                {"name": "orders", "messages": ["hello", {"json": {"a": 1}}]},
                {"name": "orders.fifo", "fifo": True, "messages": ["one"]},
            ]
        },
        "sns": {"topics": [{"name": "alerts", "subscriptions": [{"queue": "orders"}]}]},
        "cloudwatch": {
            "metrics": [
                {
                    "namespace": "AWS/EC2",
                    "name": "CPUUtilization",
                    "dimensions": {"InstanceId": "web-dev-1"},
                    "values": [3.0, 2.5],
                }
            ],
            "alarms": [
                {
                    "name": "high-cpu",
                    "namespace": "AWS/EC2",
                    "metric": "CPUUtilization",
                    "threshold": 80,
                    "comparison": "GreaterThanThreshold",
                    "state": "ALARM",
                }
            ],
        },
        "events": {"rules": [{"name": "nightly-stop", "schedule": "cron(0 19 ? * MON-FRI *)"}]},
        "iam": {"roles": [{"name": "lambda-exec"}]},
    }
    with MockAccount.start(fixtures=fixture, region="eu-west-1") as acct:
        state = acct.state()
        points = acct.boto3_client("cloudwatch").list_metrics(Namespace="AWS/EC2")["Metrics"]
    assert state["sqs"] == {
        "orders": {"messages": 2, "in_flight": 0},
        "orders.fifo": {"messages": 1, "in_flight": 0},
    }
    assert state["sns"] == {"alerts": {"subscriptions": 1}}
    assert state["cloudwatch"]["alarms"]["high-cpu"]["state"] == "ALARM"
    assert state["events"]["rules"] == {
        "nightly-stop": {"schedule": "cron(0 19 ? * MON-FRI *)", "state": "ENABLED"}
    }
    assert (
        state["iam"]["roles"]["lambda-exec"]["arn"] == "arn:aws:iam::123456789012:role/lambda-exec"
    )
    assert points[0]["Dimensions"] == [{"Name": "InstanceId", "Value": "web-dev-1"}]


def test_a_fixture_moto_refuses_is_reported_as_a_fixture_error():
    fixture = {
        "iam": {"roles": [{"name": "r", "policies": ["arn:aws:iam::aws:policy/NoSuchPolicy"]}]}
    }
    with pytest.raises(FixtureError, match="exercise.yaml: AWS refused the fixture.*NoSuchPolicy"):
        MockAccount.start(fixtures=fixture, source_name="exercise.yaml")


def test_an_invalid_account_id_is_refused_before_anything_starts():
    with pytest.raises(ValueError, match="12 digits"):
        MockAccount.start(account_id="12345")


def test_seeded_objects_look_like_uploads_through_the_api():
    fixture = {
        "s3": {
            "buckets": [
                {
                    "name": "docs",
                    "versioning": True,
                    "objects": [
                        {
                            "key": "a b.txt",
                            "body": "héllo",
                            "content_type": "text/plain",
                            "metadata": {"Owner": "ada"},
                            "tags": {"tier": "hot"},
                        },
                        {"key": "o.json", "json": {"x": 1}},
                    ],
                }
            ]
        }
    }
    with MockAccount.start(fixtures=fixture) as acct:
        s3 = acct.boto3_client("s3")
        head = s3.head_object(Bucket="docs", Key="a b.txt")
        body = s3.get_object(Bucket="docs", Key="a b.txt")["Body"].read()
        tags = s3.get_object_tagging(Bucket="docs", Key="a b.txt")["TagSet"]
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket="docs")["Contents"]]
        json_type = s3.head_object(Bucket="docs", Key="o.json")["ContentType"]
    assert body == "héllo".encode() and head["ContentLength"] == len(body)
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"owner": "ada"}
    assert head["ETag"] == '"' + hashlib.md5(body).hexdigest() + '"'
    assert head.get("VersionId") not in (None, "null")
    assert tags == [{"Key": "tier", "Value": "hot"}]
    assert listed == ["a b.txt", "o.json"] and json_type == "application/json"


def test_accounts_started_from_many_threads_are_each_their_own():
    def start_and_write(n: int) -> tuple[int, list[str]]:
        with MockAccount.start(fixtures=SAME_NAMES) as acct:
            acct.boto3_client("s3").put_object(Bucket="uploads", Key=f"run-{n}", Body=b"x")
            return n, sorted(acct.state()["s3"]["uploads"])

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(start_and_write, range(6)))
    assert results == [(n, sorted(["shared.txt", f"run-{n}"])) for n in range(6)]


def test_a_crashed_moto_host_is_replaced_and_running_accounts_keep_working():
    from lambdalab.mockaws.account import _Host

    with MockAccount.start(fixtures=SAME_NAMES) as before:
        _Host.get().proc.kill()
        _Host.get().proc.wait()  # the next get() notices and starts a new host
        with MockAccount.start(fixtures=SAME_NAMES) as after:
            assert sorted(after.state()["s3"]["uploads"]) == ["shared.txt"]
        assert before.read_object("uploads", "shared.txt") == b"seed"


def test_templates_are_capped_so_many_exercises_cannot_pile_up_processes():
    from lambdalab.mockaws.host import MAX_TEMPLATES

    fixtures = [{"sqs": {"queues": [{"name": f"q{i}"}]}} for i in range(MAX_TEMPLATES + 1)]
    for fixture in fixtures:
        MockAccount.start(fixtures=fixture).close()
    newest = MockAccount.start(fixtures=fixtures[-1])
    oldest = MockAccount.start(fixtures=fixtures[0])
    try:
        assert newest.from_template and not oldest.from_template
    finally:
        newest.close()
        oldest.close()
