# ruff: noqa: E501  (the YAML mirrors the format spec line for line)
"""Instructors fix fixture files from the error message alone: it names the file and the field."""

from __future__ import annotations

import pytest

from lambdalab.mockaws import FixtureError, load_fixtures

SPEC_EXAMPLE = """
s3:
  buckets:
    - name: uploads
      region: us-east-1
      objects:
        - {key: reports/a.csv, body: "id,amount\\n1,9.5\\n", content_type: text/csv}
        - {key: data/order.json, json: {order_id: "o-1", total: 12.5}}
        - {key: bin/blob.bin, base64: "AAEC"}
ec2:
  instances:
    - {name: web-dev-1, type: t3.micro, state: running, tags: {Environment: dev}, launch_time: "2026-11-01T08:00:00Z"}
  volumes:
    - {name: data-1, size: 8, attached_to: web-dev-1, tags: {}}
  snapshots:
    - {name: snap-old, volume: data-1, description: nightly, start_time: "2026-01-01T00:00:00Z", tags: {}}
    - {name: snap-gone, volume: deleted}
dynamodb:
  tables:
    - name: Payments
      partition_key: {name: order_id, type: S}
      sort_key: {name: created_at, type: S}
      stream: NEW_AND_OLD_IMAGES
      items: [{order_id: o-1, created_at: "2026-11-01T12:00:00Z", amount: 12.5}]
sqs:
  queues: [{name: orders, fifo: false, messages: ["hello", {json: {a: 1}}]}]
sns:
  topics: [{name: alerts}]
cloudwatch:
  metrics: [{namespace: AWS/EC2, name: CPUUtilization, dimensions: {InstanceId: web-dev-1}, values: [3.0, 2.5]}]
  alarms: [{name: high-cpu, namespace: AWS/EC2, metric: CPUUtilization, threshold: 80, comparison: GreaterThanThreshold, state: OK}]
events:
  rules: [{name: nightly-stop, schedule: "cron(0 19 ? * MON-FRI *)"}]
iam:
  roles: [{name: lambda-exec}]
"""


def test_the_documented_example_loads_as_plain_data():
    data = load_fixtures(SPEC_EXAMPLE)
    assert data["s3"]["buckets"][0]["objects"][1]["json"] == {"order_id": "o-1", "total": 12.5}
    assert data["ec2"]["instances"][0]["launch_time"] == "2026-11-01T08:00:00Z"


def test_a_file_path_is_read_and_named_in_errors(tmp_path):
    path = tmp_path / "fixtures.yaml"
    path.write_text("ec2:\n  instances:\n    - {name: a, state: paused}\n")
    with pytest.raises(FixtureError) as err:
        load_fixtures(str(path))
    assert str(err.value).startswith(f"{path}: ec2.instances[0].state: 'paused' is not one of")


def test_unquoted_yaml_timestamps_become_iso_text():
    data = load_fixtures("ec2:\n  instances:\n    - {name: a, launch_time: 2026-11-01T08:00:00Z}\n")
    assert data["ec2"]["instances"][0]["launch_time"] == "2026-11-01T08:00:00Z"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "s3:\n  buckets:\n    - {name: Bad_Name}\n",
            "s3.buckets[0].name: 'Bad_Name' does not match",
        ),
        (
            "s3:\n  buckets:\n    - {name: ok-bucket, objects: [{key: a, body: x, json: 1}]}\n",
            "s3.buckets[0].objects[0]: give only one of body, json or base64",
        ),
        (
            "s3:\n  buckets:\n    - {name: ok-bucket, objects: [{key: a, base64: '!!'}]}\n",
            "s3.buckets[0].objects[0].base64: not valid base64",
        ),
        (
            "s3:\n  bukets: []\n",
            "s3: Additional properties are not allowed ('bukets' was unexpected)",
        ),
        (
            "ec2:\n  volumes:\n    - {name: v, attached_to: ghost}\n",
            "ec2.volumes[0].attached_to: no instance named 'ghost'",
        ),
        (
            "ec2:\n  snapshots:\n    - {name: s, volume: ghost}\n",
            "ec2.snapshots[0].volume: no volume named 'ghost'",
        ),
        (
            "ec2:\n  instances:\n    - {name: a, launch_time: yesterday}\n",
            "ec2.instances[0].launch_time: use an ISO 8601 time",
        ),
        (
            "ec2:\n  instances:\n    - {name: a}\n    - {name: a}\n",
            "ec2.instances[1].name: duplicate name 'a'",
        ),
        (
            "dynamodb:\n  tables:\n    - {name: Pay, partition_key: {name: id, type: S}, items: [{x: 1}]}\n",
            "dynamodb.tables[0].items[0].id: missing key attribute",
        ),
        (
            "dynamodb:\n  tables:\n    - {name: Pay, partition_key: {name: id, type: N}, items: [{id: a}]}\n",
            "dynamodb.tables[0].items[0].id: key type is N",
        ),
        (
            "dynamodb:\n  tables:\n    - {name: Pay, partition_key: {name: id, type: S}, stream: ALL}\n",
            "dynamodb.tables[0].stream: 'ALL' is not one of",
        ),
        (
            "sqs:\n  queues: [{name: orders, fifo: true}]\n",
            "sqs.queues[0].name: FIFO queue names end in .fifo",
        ),
        (
            "sns:\n  topics: [{name: t, subscriptions: [{queue: nope}]}]\n",
            "sns.topics[0].subscriptions[0].queue: no queue named 'nope'",
        ),
        ("events:\n  rules: [{name: r, schedule: 'every day'}]\n", "events.rules[0].schedule:"),
        ("events:\n  rules: [{name: r}]\n", "events.rules[0]: give exactly one of schedule"),
        (
            "cloudwatch:\n  alarms: [{name: a, namespace: n, metric: m, threshold: 1, comparison: Bigger}]\n",
            "cloudwatch.alarms[0].comparison: 'Bigger' is not one of",
        ),
        ("s3: [1, 2\n", "invalid YAML"),
    ],
)
def test_errors_name_the_file_and_the_field(text, message):
    with pytest.raises(FixtureError) as err:
        load_fixtures(text, source_name="lessons/demo/fixtures.yaml")
    assert str(err.value).startswith("lessons/demo/fixtures.yaml: ")
    assert message in str(err.value)


def test_a_missing_file_is_named():
    with pytest.raises(FixtureError, match="nowhere/fixtures.yaml: cannot read fixture file"):
        load_fixtures("nowhere/fixtures.yaml")


def test_the_documented_example_seeds_a_real_account():
    from lambdalab.mockaws import MockAccount

    with MockAccount.start(fixtures=load_fixtures(SPEC_EXAMPLE)) as acct:
        state = acct.state()
    assert state["ec2"]["snapshots"]["snap-gone"]["volume"] == "deleted"
    assert state["s3"]["uploads"]["bin/blob.bin"]["size"] == 3
    assert state["sqs"]["orders"]["messages"] == 2
