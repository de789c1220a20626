"""Read a mock account's state into the JSON document graders and checks consume.

Runs inside the trusted account process, after (or between) learner invocations, through
boto3 clients onto the same in-process moto state. Learner code cannot influence what is read
here except through real API calls, which is the point.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

_DESERIALIZER = TypeDeserializer()


def account_state(*, clients: Any, region: str) -> dict[str, Any]:
    """The account as `{"s3": ..., "ec2": ..., "dynamodb": ..., ...}` (format in FIXTURES.md)."""
    return {
        "s3": _s3(clients("s3", region)),
        "ec2": _ec2(clients("ec2", region)),
        "dynamodb": _dynamodb(clients("dynamodb", region)),
        "sqs": _sqs(clients("sqs", region)),
        "sns": _sns(clients("sns", region)),
        "cloudwatch": _cloudwatch(clients("cloudwatch", region)),
        "events": _events(clients("events", region)),
        "iam": _iam(clients("iam", region)),
    }


def plain(value: Any) -> Any:
    """DynamoDB values → plain JSON (Decimal → int/float, sets → sorted lists, bytes → text)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if hasattr(value, "value") and isinstance(value.value, bytes):  # boto3 Binary
        value = value.value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _tags(items: list[dict] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def _s3(s3: Any) -> dict[str, Any]:
    try:
        return _s3_from_backend()
    except Exception:  # moto internals moved: fall back to the (slower) public API
        return _s3_from_api(s3)


def _s3_from_backend() -> dict[str, Any]:
    # One head_object per key made state() ~20 ms per object; the backend has it all.
    import os

    from moto.s3.models import FakeKey, s3_backends

    backend = s3_backends[os.environ["MOTO_ACCOUNT_ID"]]["aws"]
    out: dict[str, Any] = {}
    for name in sorted(backend.buckets):
        keys = backend.buckets[name].keys
        out[name] = {
            key: {
                "size": obj.size,
                "etag": obj.etag,
                "content_type": obj.metadata.get("content-type", "binary/octet-stream"),
            }
            for key in sorted(keys)
            if isinstance(obj := keys[key], FakeKey)
        }
    return out


def _s3_from_api(s3: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        objects: dict[str, Any] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for obj in page.get("Contents", []):
                head = s3.head_object(Bucket=name, Key=obj["Key"])
                objects[obj["Key"]] = {
                    "size": obj["Size"],
                    "etag": obj["ETag"],
                    "content_type": head.get("ContentType", ""),
                }
        out[name] = objects
    return out


def _ec2(ec2: Any) -> dict[str, Any]:
    try:
        return _ec2_from_backend(ec2.meta.region_name)
    except Exception:  # moto internals moved: fall back to the (slower) public API
        return _ec2_from_api(ec2)


def _iso(value: Any) -> str:
    # moto keeps naive UTC datetimes; render them as boto3 would parse them.
    value = value.replace(microsecond=0)  # EC2 reports whole seconds
    return value.replace(tzinfo=UTC).isoformat() if value.tzinfo is None else value.isoformat()


def _ec2_from_backend(region: str) -> dict[str, Any]:
    # describe_instances costs ~2 ms per instance in moto's XML rendering alone.
    import os

    from moto.ec2.models import ec2_backends

    backend = ec2_backends[os.environ["MOTO_ACCOUNT_ID"]][region]
    instances, names = {}, {}
    for inst in backend.all_instances():
        tags = dict(backend.tags.get(inst.id, {}))
        key = tags.get("Name") or inst.id
        names[inst.id] = key
        instances[key] = {
            "id": inst.id,
            "state": inst.state,
            "type": inst.instance_type,
            "tags": tags,
            "launch_time": _iso(inst.launch_time),
        }
    volumes, vol_names = {}, {}
    for vol in backend.volumes.values():
        tags = dict(backend.tags.get(vol.id, {}))
        key = tags.get("Name") or vol.id
        vol_names[vol.id] = key
        attached = vol.attachment.instance.id if vol.attachment else None
        volumes[key] = {
            "id": vol.id,
            "size": vol.size,
            "state": vol.status,
            "attached_to": names.get(attached, attached) if attached else None,
            "tags": _without_name(tags),
        }
    snapshots = {}
    for snap in backend.snapshots.values():
        if snap.owner_id != backend.account_id:
            continue
        tags = dict(backend.tags.get(snap.id, {}))
        snapshots[tags.get("Name") or snap.id] = {
            "id": snap.id,
            "volume": vol_names.get(snap.volume.id, "deleted"),
            "volume_id": snap.volume.id,
            "description": snap.description or "",
            "start_time": _iso(snap.start_time),
            "tags": _without_name(tags),
        }
    return {"instances": instances, "volumes": volumes, "snapshots": snapshots}


def _ec2_from_api(ec2: Any) -> dict[str, Any]:
    instances, names = {}, {}
    for page in ec2.get_paginator("describe_instances").paginate():
        for res in page["Reservations"]:
            for inst in res["Instances"]:
                tags = _tags(inst.get("Tags"))
                key = tags.get("Name") or inst["InstanceId"]
                names[inst["InstanceId"]] = key
                instances[key] = {
                    "id": inst["InstanceId"],
                    "state": inst["State"]["Name"],
                    "type": inst["InstanceType"],
                    "tags": tags,
                    "launch_time": inst["LaunchTime"].isoformat(),
                }
    volumes, vol_names = {}, {}
    for vol in ec2.describe_volumes()["Volumes"]:
        tags = _tags(vol.get("Tags"))
        key = tags.get("Name") or vol["VolumeId"]
        vol_names[vol["VolumeId"]] = key
        attached = [names.get(a["InstanceId"], a["InstanceId"]) for a in vol.get("Attachments", [])]
        volumes[key] = {
            "id": vol["VolumeId"],
            "size": vol["Size"],
            "state": vol["State"],
            "attached_to": attached[0] if attached else None,
            "tags": _without_name(tags),
        }
    snapshots = {}
    for snap in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]:
        tags = _tags(snap.get("Tags"))
        snapshots[tags.get("Name") or snap["SnapshotId"]] = {
            "id": snap["SnapshotId"],
            "volume": vol_names.get(snap["VolumeId"], "deleted"),
            "volume_id": snap["VolumeId"],
            "description": snap.get("Description", ""),
            "start_time": snap["StartTime"].isoformat(),
            "tags": _without_name(tags),
        }
    return {"instances": instances, "volumes": volumes, "snapshots": snapshots}


def _without_name(tags: dict[str, str]) -> dict[str, str]:
    # Volumes and snapshots are keyed by their Name; repeating it in tags only adds noise.
    return {k: v for k, v in tags.items() if k != "Name"}


def _dynamodb(ddb: Any) -> dict[str, Any]:
    try:
        return _dynamodb_from_backend(ddb.meta.region_name)
    except Exception:  # moto internals moved (or a binary value): take the public API
        return _dynamodb_from_api(ddb)


def _dynamodb_from_backend(region: str) -> dict[str, Any]:
    # A paginated scan per table renders and re-parses every item; the backend has them.
    import os

    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[os.environ["MOTO_ACCOUNT_ID"]][region]
    out = {}
    for name in sorted(backend.tables):
        table = backend.tables[name]
        raw = [item.to_json()["Attributes"] for item in table.all_items()]
        if _has_binary(raw):
            raise ValueError("binary attributes: the API path decodes them")
        items = [
            {k: plain(_DESERIALIZER.deserialize(v)) for k, v in attrs.items()} for attrs in raw
        ]
        keys = [k for k in (table.hash_key_attr, table.range_key_attr) if k]
        items.sort(key=lambda item: [str(item.get(k)) for k in keys])
        out[name] = {"items": items}
    return out


def _has_binary(value: Any) -> bool:
    if isinstance(value, dict):
        return "B" in value or "BS" in value or any(_has_binary(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_binary(v) for v in value)
    return False


def _dynamodb_from_api(ddb: Any) -> dict[str, Any]:
    out = {}
    for name in ddb.list_tables()["TableNames"]:
        items = []
        for page in ddb.get_paginator("scan").paginate(TableName=name):
            items += [
                {k: plain(_DESERIALIZER.deserialize(v)) for k, v in item.items()}
                for item in page["Items"]
            ]
        keys = [
            k["AttributeName"] for k in ddb.describe_table(TableName=name)["Table"]["KeySchema"]
        ]
        items.sort(key=lambda item: [str(item.get(k)) for k in keys])
        out[name] = {"items": items}
    return out


def _sqs(sqs: Any) -> dict[str, Any]:
    out = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        out[url.rsplit("/", 1)[-1]] = {
            "messages": int(attrs.get("ApproximateNumberOfMessages", 0)),
            "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
        }
    return out


def _sns(sns: Any) -> dict[str, Any]:
    out = {}
    for topic in sns.list_topics().get("Topics", []):
        arn = topic["TopicArn"]
        subs = sns.list_subscriptions_by_topic(TopicArn=arn).get("Subscriptions", [])
        out[arn.rsplit(":", 1)[-1]] = {"subscriptions": len(subs)}
    return out


def _cloudwatch(cw: Any) -> dict[str, Any]:
    alarms = {
        a["AlarmName"]: {"state": a["StateValue"], "threshold": a.get("Threshold")}
        for a in cw.describe_alarms().get("MetricAlarms", [])
    }
    return {"alarms": alarms}


def _events(events: Any) -> dict[str, Any]:
    rules = {}
    for rule in events.list_rules().get("Rules", []):
        rules[rule["Name"]] = {"schedule": rule.get("ScheduleExpression"), "state": rule["State"]}
    return {"rules": rules}


def _iam(iam: Any) -> dict[str, Any]:
    return {"roles": {r["RoleName"]: {"arn": r["Arn"]} for r in iam.list_roles()["Roles"]}}
