"""Build a validated fixture inside a mock account process (moto is active there).

Runs on the trusted side only, inside the forked account process, through ordinary boto3
clients so moto applies its own validation. Calls are batched where the API allows because
seeding time is paid on every run (budget: the typical fixture in ≤ 100 ms).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

DEFAULT_IMAGE_ID = "ami-0lambdalab000001"  # moto does not validate AMIs by default
_SERIALIZER = TypeSerializer()


def fixture_seed(*, clients: Any, fixtures: dict, region: str) -> None:
    """Create everything the fixture describes. `clients(service, region)` returns a client."""
    _seed_iam(clients("iam", region), fixtures.get("iam", {}))
    _seed_s3(clients, fixtures.get("s3", {}), region)
    _seed_ec2(clients("ec2", region), fixtures.get("ec2", {}))
    _seed_dynamodb(clients("dynamodb", region), fixtures.get("dynamodb", {}))
    queue_arns = _seed_sqs(clients("sqs", region), fixtures.get("sqs", {}))
    _seed_sns(clients("sns", region), fixtures.get("sns", {}), queue_arns)
    _seed_cloudwatch(clients("cloudwatch", region), fixtures.get("cloudwatch", {}))
    _seed_events(clients("events", region), fixtures.get("events", {}))


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _tag_list(tags: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]


# --------------------------------------------------------------------------------------- S3


def object_body(obj: dict[str, Any]) -> tuple[bytes, str]:
    """The bytes and default content type of a fixture object."""
    if "json" in obj:
        return json.dumps(obj["json"]).encode(), "application/json"
    if "base64" in obj:
        return base64.b64decode(obj["base64"]), "application/octet-stream"
    return obj.get("body", "").encode("utf-8"), "binary/octet-stream"


def _seed_s3(clients: Any, s3_fixture: dict, region: str) -> None:
    for bucket in s3_fixture.get("buckets", []):
        where = bucket.get("region", region)
        s3 = clients("s3", region)  # one client: a client per region costs ~20 ms to build
        _s3_backend().create_bucket(bucket["name"], where)
        if bucket.get("versioning"):
            s3.put_bucket_versioning(
                Bucket=bucket["name"], VersioningConfiguration={"Status": "Enabled"}
            )
        if bucket.get("tags"):
            s3.put_bucket_tagging(
                Bucket=bucket["name"], Tagging={"TagSet": _tag_list(bucket["tags"])}
            )
        _put_objects(bucket["name"], bucket.get("objects", []))


def _s3_backend() -> Any:
    import os

    from moto.s3.models import s3_backends

    return s3_backends[os.environ["MOTO_ACCOUNT_ID"]]["aws"]


def _put_objects(bucket: str, objects: list[dict]) -> None:
    # Straight into moto's S3 backend: twenty put_object round trips through botocore and
    # moto's request parsing were half of a typical fixture's seeding time.

    backend = _s3_backend()
    for obj in objects:
        body, default_type = object_body(obj)
        key = backend.put_object(bucket, obj["key"], body, disable_notification=True)
        metadata = {f"x-amz-meta-{k}".lower(): str(v) for k, v in obj.get("metadata", {}).items()}
        key.set_metadata({"content-type": obj.get("content_type", default_type), **metadata})
        if obj.get("tags"):
            backend.put_object_tagging(key, {str(k): str(v) for k, v in obj["tags"].items()})


# -------------------------------------------------------------------------------------- EC2


def _seed_ec2(ec2: Any, fixture: dict) -> None:
    ids = _seed_instances(ec2, fixture.get("instances", []))
    volume_ids = _seed_volumes(ec2, fixture.get("volumes", []), ids)
    _seed_snapshots(ec2, fixture.get("snapshots", []), volume_ids)


def _seed_instances(ec2: Any, instances: list[dict]) -> dict[str, str]:
    # One run_instances per (type, image): moto scans every instance type on each call,
    # which made one call per instance the slowest part of seeding.
    groups: dict[tuple[str, str], list[dict]] = {}
    for inst in instances:
        key = (inst.get("type", "t3.micro"), inst.get("image_id", DEFAULT_IMAGE_ID))
        groups.setdefault(key, []).append(inst)
    ids: dict[str, str] = {}
    backend = _ec2_backend() if instances else None
    for (itype, image), members in groups.items():
        made = _run_instances(ec2, backend, itype, image, len(members))
        for inst, iid in zip(members, made, strict=True):
            ids[inst["name"]] = iid
            tags = {**inst.get("tags", {}), "Name": inst["name"]}
            backend.create_tags([iid], {str(k): str(v) for k, v in tags.items()})
            if "launch_time" in inst:
                backend.get_instance(iid).launch_time = _moto_time(inst["launch_time"])
    stop = [ids[i["name"]] for i in instances if i.get("state") == "stopped"]
    terminate = [ids[i["name"]] for i in instances if i.get("state") == "terminated"]
    if stop:
        ec2.stop_instances(InstanceIds=stop)
    if terminate:
        ec2.terminate_instances(InstanceIds=terminate)
    return ids


def _run_instances(ec2: Any, backend: Any, itype: str, image: str, count: int) -> list[str]:
    """Launch `count` instances; straight through moto's backend when its signature allows.

    Rendering run_instances' XML response for ten instances was most of EC2's seeding CPU.
    """
    try:
        reservation = backend.run_instances(
            image,
            count,
            None,
            [],
            instance_type=itype,
            is_instance_type_default=False,
            placement=None,
            placement_hostid=None,
            region_name=ec2.meta.region_name,
            subnet_id=None,
            key_name=None,
            security_group_ids=[],
            nics=[],
            private_ip=None,
            associate_public_ip=None,
            tags={},
            ebs_optimized=False,
            disable_api_stop=False,
            instance_market_options={},
            instance_initiated_shutdown_behavior=None,
            launch_template={},
            hibernation_options={},
            iam_instance_profile_name=None,
            iam_instance_profile_arn=None,
            monitoring_state="disabled",
            ipv6_address_count=None,
            metadata_options={},
            client_token="lambdalab-seed",  # noqa: S106 - an idempotency token
        )
        return [inst.id for inst in reservation.instances]
    except TypeError:  # moto changed the signature: take the public API
        reply = ec2.run_instances(ImageId=image, InstanceType=itype, MinCount=count, MaxCount=count)
        return [inst["InstanceId"] for inst in reply["Instances"]]


def _seed_volumes(ec2: Any, volumes: list[dict], instance_ids: dict[str, str]) -> dict[str, str]:
    # Through moto's backend, like instances: each API round trip cost more than the work.
    backend = _ec2_backend()
    ids: dict[str, str] = {}
    zone = ec2.meta.region_name + "a"
    for vol in volumes:
        volume = backend.create_volume(
            size=vol.get("size", 8), zone_name=zone, volume_type=vol.get("volume_type", "gp3")
        )
        ids[vol["name"]] = volume.id
        tags = {**vol.get("tags", {}), "Name": vol["name"]}
        backend.create_tags([volume.id], {str(k): str(v) for k, v in tags.items()})
        if "create_time" in vol:
            volume.create_time = _moto_time(vol["create_time"])
        if "attached_to" in vol:
            device = f"/dev/sd{chr(ord('f') + len(ids) % 10)}"
            backend.attach_volume(volume.id, instance_ids[vol["attached_to"]], device)
    return ids


def _seed_snapshots(ec2: Any, snapshots: list[dict], volume_ids: dict[str, str]) -> None:
    backend = _ec2_backend()
    zone = ec2.meta.region_name + "a"
    for snap in snapshots:
        doomed = snap["volume"] == "deleted"
        vid = (
            backend.create_volume(size=8, zone_name=zone).id
            if doomed
            else volume_ids[snap["volume"]]
        )
        snapshot = backend.create_snapshot(vid, snap.get("description", ""))
        tags = {**snap.get("tags", {}), "Name": snap["name"]}
        backend.create_tags([snapshot.id], {str(k): str(v) for k, v in tags.items()})
        if "start_time" in snap:
            snapshot.start_time = _moto_time(snap["start_time"])
        if doomed:
            backend.delete_volume(vid)


def _moto_time(text: str) -> Any:
    # moto keeps naive UTC datetimes and renders them itself.
    return parse_time(text).astimezone(UTC).replace(tzinfo=None)


def _ec2_backend() -> Any:
    import os

    from moto.ec2.models import ec2_backends

    return ec2_backends[os.environ["MOTO_ACCOUNT_ID"]][os.environ["LAMBDALAB_MOCK_REGION"]]


# ---------------------------------------------------------------------------------- DynamoDB


def to_dynamo(value: Any) -> Any:
    """Plain JSON → what boto3's serializer accepts (floats become Decimals)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_dynamo(v) for v in value]
    return value


def _seed_dynamodb(ddb: Any, fixture: dict) -> None:
    for table in fixture.get("tables", []):
        keys = [table["partition_key"]] + ([table["sort_key"]] if "sort_key" in table else [])
        kwargs: dict[str, Any] = {
            "TableName": table["name"],
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": k["name"], "AttributeType": k["type"]} for k in keys
            ],
            "KeySchema": [
                {"AttributeName": k["name"], "KeyType": kt}
                for k, kt in zip(keys, ("HASH", "RANGE"), strict=False)
            ],
        }
        if table.get("stream"):
            kwargs["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": table["stream"],
            }
        ddb.create_table(**kwargs)
        items = [
            {
                "PutRequest": {
                    "Item": {k: _SERIALIZER.serialize(to_dynamo(v)) for k, v in item.items()}
                }
            }
            for item in table.get("items", [])
        ]
        for start in range(0, len(items), 25):
            ddb.batch_write_item(RequestItems={table["name"]: items[start : start + 25]})


# ---------------------------------------------------------------------------- SQS, SNS, ...


def _message_body(message: Any) -> str:
    if isinstance(message, str):
        return message
    return json.dumps(message["json"]) if "json" in message else message["body"]


def _seed_sqs(sqs: Any, fixture: dict) -> dict[str, str]:
    arns: dict[str, str] = {}
    for queue in fixture.get("queues", []):
        fifo = queue["name"].endswith(".fifo")
        attrs = {"VisibilityTimeout": str(queue.get("visibility_timeout", 30))}
        if fifo:
            attrs |= {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        url = sqs.create_queue(QueueName=queue["name"], Attributes=attrs)["QueueUrl"]
        arns[queue["name"]] = url
        entries = [
            {"Id": str(i), "MessageBody": _message_body(m)}
            | ({"MessageGroupId": "default"} if fifo else {})
            for i, m in enumerate(queue.get("messages", []))
        ]
        for start in range(0, len(entries), 10):
            sqs.send_message_batch(QueueUrl=url, Entries=entries[start : start + 10])
    return arns


def _seed_sns(sns: Any, fixture: dict, queue_urls: dict[str, str]) -> None:
    for topic in fixture.get("topics", []):
        attrs = {"FifoTopic": "true"} if topic["name"].endswith(".fifo") else {}
        arn = sns.create_topic(Name=topic["name"], Attributes=attrs)["TopicArn"]
        for sub in topic.get("subscriptions", []):
            queue_arn = _queue_arn(sns, queue_urls[sub["queue"]])
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)


def _queue_arn(sns: Any, url: str) -> str:
    region, account, name = sns.meta.region_name, url.split("/")[-2], url.split("/")[-1]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _seed_cloudwatch(cw: Any, fixture: dict) -> None:
    now = datetime.now(UTC)
    for metric in fixture.get("metrics", []):
        dims = [{"Name": k, "Value": str(v)} for k, v in metric.get("dimensions", {}).items()]
        values = metric.get("values", [])
        data = [
            {
                "MetricName": metric["name"],
                "Dimensions": dims,
                "Value": float(v),
                "Timestamp": now - timedelta(minutes=5 * (len(values) - i)),
                "Unit": metric.get("unit", "None"),
            }
            for i, v in enumerate(values)
        ]
        for start in range(0, len(data), 20):
            cw.put_metric_data(Namespace=metric["namespace"], MetricData=data[start : start + 20])
    for alarm in fixture.get("alarms", []):
        cw.put_metric_alarm(
            AlarmName=alarm["name"],
            Namespace=alarm["namespace"],
            MetricName=alarm["metric"],
            Dimensions=[
                {"Name": k, "Value": str(v)} for k, v in alarm.get("dimensions", {}).items()
            ],
            Threshold=float(alarm["threshold"]),
            ComparisonOperator=alarm["comparison"],
            Statistic=alarm.get("statistic", "Average"),
            Period=alarm.get("period", 300),
            EvaluationPeriods=alarm.get("evaluation_periods", 1),
            AlarmDescription=alarm.get("description", ""),
        )
        cw.set_alarm_state(
            AlarmName=alarm["name"],
            StateValue=alarm.get("state", "OK"),
            StateReason="Initial state from the exercise fixture",
        )


def _seed_events(events: Any, fixture: dict) -> None:
    for rule in fixture.get("rules", []):
        kwargs: dict[str, Any] = {
            "Name": rule["name"],
            "State": rule.get("state", "ENABLED"),
            "Description": rule.get("description", ""),
        }
        if "schedule" in rule:
            kwargs["ScheduleExpression"] = rule["schedule"]
        else:
            kwargs["EventPattern"] = json.dumps(rule["event_pattern"])
        events.put_rule(**kwargs)


_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _seed_iam(iam: Any, fixture: dict) -> None:
    for role in fixture.get("roles", []):
        iam.create_role(
            RoleName=role["name"],
            AssumeRolePolicyDocument=_TRUST,
            Description=role.get("description", ""),
        )
        for arn in role.get("policies", []):
            iam.attach_role_policy(RoleName=role["name"], PolicyArn=arn)
