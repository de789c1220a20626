"""Fixture files: YAML describing the AWS resources a run starts with (format in FIXTURES.md).

`load_fixtures` parses and validates; every error names the file and the field
(`lessons/stop-idle/fixtures.yaml: ec2.instances[2].state: 'paused' is not one of [...]`),
because instructors fix fixtures from that message alone.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml


class FixtureError(ValueError):
    """A fixture file is malformed; the message names the file and the field."""


_TAGS = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_TIME = {"type": ["string", "object"]}  # YAML may already have parsed it into a datetime


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
    }


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


_S3_OBJECT = _obj(
    {
        "key": {"type": "string", "minLength": 1, "maxLength": 1024},
        "body": {"type": "string"},
        "json": {},
        "base64": {"type": "string"},
        "content_type": {"type": "string"},
        "metadata": _TAGS,
        "tags": _TAGS,
    },
    ("key",),
)
_NOTIFICATION = _obj(
    {
        "function": _NAME,
        "events": _list({"type": "string"}),
        "prefix": {"type": "string"},
        "suffix": {"type": "string"},
    },
    ("function",),
)
_BUCKET = _obj(
    {
        "name": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"},
        "region": {"type": "string"},
        "versioning": {"type": "boolean"},
        "notifications": _list(_NOTIFICATION),
        "tags": _TAGS,
        "objects": _list(_S3_OBJECT),
    },
    ("name",),
)
_INSTANCE = _obj(
    {
        "name": _NAME,
        "type": {"type": "string"},
        "state": {"enum": ["running", "stopped", "terminated"]},
        "tags": _TAGS,
        "launch_time": _TIME,
        "image_id": {"type": "string"},
    },
    ("name",),
)
_VOLUME = _obj(
    {
        "name": _NAME,
        "size": {"type": "integer", "minimum": 1, "maximum": 16384},
        "volume_type": {"type": "string"},
        "attached_to": _NAME,
        "tags": _TAGS,
        "create_time": _TIME,
    },
    ("name",),
)
_SNAPSHOT = _obj(
    {
        "name": _NAME,
        "volume": _NAME,
        "description": {"type": "string"},
        "start_time": _TIME,
        "tags": _TAGS,
    },
    ("name", "volume"),
)
_KEY = _obj({"name": _NAME, "type": {"enum": ["S", "N", "B"]}}, ("name", "type"))
_TABLE = _obj(
    {
        "name": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]{3,255}$"},
        "partition_key": _KEY,
        "sort_key": _KEY,
        "stream": {"enum": ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]},
        "items": _list({"type": "object"}),
    },
    ("name", "partition_key"),
)
_MESSAGE = {
    "anyOf": [
        {"type": "string"},
        _obj({"json": {}}, ("json",)),
        _obj({"body": {"type": "string"}}, ("body",)),
    ]
}
_QUEUE = _obj(
    {
        "name": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,75}(\.fifo)?$"},
        "fifo": {"type": "boolean"},
        "visibility_timeout": {"type": "integer"},
        "messages": _list(_MESSAGE),
    },
    ("name",),
)
_TOPIC = _obj(
    {
        "name": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,256}(\.fifo)?$"},
        "subscriptions": _list(_obj({"queue": _NAME}, ("queue",))),
    },
    ("name",),
)
_METRIC = _obj(
    {
        "namespace": _NAME,
        "name": _NAME,
        "dimensions": _TAGS,
        "values": _list({"type": "number"}),
        "unit": {"type": "string"},
    },
    ("namespace", "name"),
)
_ALARM = _obj(
    {
        "name": _NAME,
        "namespace": _NAME,
        "metric": _NAME,
        "dimensions": _TAGS,
        "threshold": {"type": "number"},
        "comparison": {
            "enum": [
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "LessThanThreshold",
                "LessThanOrEqualToThreshold",
            ]
        },
        "statistic": {"enum": ["SampleCount", "Average", "Sum", "Minimum", "Maximum"]},
        "period": {"type": "integer", "minimum": 10},
        "evaluation_periods": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "state": {"enum": ["OK", "ALARM", "INSUFFICIENT_DATA"]},
    },
    ("name", "namespace", "metric", "threshold", "comparison"),
)
_RULE = _obj(
    {
        "name": _NAME,
        "schedule": {"type": "string", "pattern": r"^(cron|rate)\(.+\)$"},
        "event_pattern": {"type": "object"},
        "description": {"type": "string"},
        "state": {"enum": ["ENABLED", "DISABLED"]},
    },
    ("name",),
)
_ROLE = _obj(
    {"name": _NAME, "policies": _list({"type": "string"}), "description": {"type": "string"}},
    ("name",),
)

SCHEMA: dict[str, Any] = _obj(
    {
        "s3": _obj({"buckets": _list(_BUCKET)}),
        "ec2": _obj(
            {
                "instances": _list(_INSTANCE),
                "volumes": _list(_VOLUME),
                "snapshots": _list(_SNAPSHOT),
            }
        ),
        "dynamodb": _obj({"tables": _list(_TABLE)}),
        "sqs": _obj({"queues": _list(_QUEUE)}),
        "sns": _obj({"topics": _list(_TOPIC)}),
        "cloudwatch": _obj({"metrics": _list(_METRIC), "alarms": _list(_ALARM)}),
        "events": _obj({"rules": _list(_RULE)}),
        "iam": _obj({"roles": _list(_ROLE)}),
    }
)
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _field(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_fixtures(source: str | Path | dict[str, Any] | None, *, source_name: str = "") -> dict:
    """Parse (a path, YAML text or an already-parsed dict) and validate a fixture.

    Strings naming an existing file are read as that file; other strings are YAML text.
    Returns the fixture as plain JSON-able data (timestamps as ISO strings).
    """
    name = source_name or "fixtures"
    if source is None:
        return {}
    if isinstance(source, Path) or (
        isinstance(source, str)
        and "\n" not in source
        and source.endswith((".yaml", ".yml", ".json"))
    ):
        path = Path(source)
        name = source_name or str(path)
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FixtureError(f"{name}: cannot read fixture file: {exc.strerror}") from exc
    if isinstance(source, str):
        try:
            source = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise FixtureError(f"{name}: invalid YAML: {exc}") from exc
    return validate_fixtures(source or {}, source_name=name)


def validate_fixtures(data: Any, *, source_name: str = "fixtures") -> dict:
    """Check structure, then cross-references; raise FixtureError naming the first bad field."""
    data = _jsonable(data)
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise FixtureError(f"{source_name}: {_field(err.absolute_path)}: {err.message}")
    for field, message in _semantic_errors(data):
        raise FixtureError(f"{source_name}: {field}: {message}")
    return data


def _jsonable(value: Any) -> Any:
    # YAML turns unquoted timestamps into datetimes; keep the fixture JSON-only.
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if "T" in text else text
    return value


def _dupes(items: list[dict], where: str, key: str = "name"):
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item[key] in seen:
            yield f"{where}[{i}].{key}", f"duplicate name {item[key]!r}"
        seen.add(item[key])


def _semantic_errors(data: dict):
    yield from _s3_errors(data.get("s3", {}))
    yield from _ec2_errors(data.get("ec2", {}))
    yield from _dynamodb_errors(data.get("dynamodb", {}))
    for i, queue in enumerate(data.get("sqs", {}).get("queues", [])):
        if queue.get("fifo") != queue["name"].endswith(".fifo") and "fifo" in queue:
            yield f"sqs.queues[{i}].name", "FIFO queue names end in .fifo (and only they do)"
    queues = {q["name"] for q in data.get("sqs", {}).get("queues", [])}
    for i, topic in enumerate(data.get("sns", {}).get("topics", [])):
        for j, sub in enumerate(topic.get("subscriptions", [])):
            if sub["queue"] not in queues:
                yield (
                    f"sns.topics[{i}].subscriptions[{j}].queue",
                    f"no queue named {sub['queue']!r}",
                )
    for i, rule in enumerate(data.get("events", {}).get("rules", [])):
        if ("schedule" in rule) == ("event_pattern" in rule):
            yield f"events.rules[{i}]", "give exactly one of schedule or event_pattern"


def _s3_errors(s3: dict):
    buckets = s3.get("buckets", [])
    yield from _dupes(buckets, "s3.buckets")
    for i, bucket in enumerate(buckets):
        for j, obj in enumerate(bucket.get("objects", [])):
            where = f"s3.buckets[{i}].objects[{j}]"
            given = [k for k in ("body", "json", "base64") if k in obj]
            if len(given) > 1:
                yield where, f"give only one of body, json or base64 (got {', '.join(given)})"
            if "base64" in obj:
                try:
                    base64.b64decode(obj["base64"], validate=True)
                except (binascii.Error, ValueError):
                    yield f"{where}.base64", "not valid base64"


def _ec2_errors(ec2: dict):
    instances = {i["name"] for i in ec2.get("instances", [])}
    volumes = {v["name"] for v in ec2.get("volumes", [])}
    for kind in ("instances", "volumes", "snapshots"):
        yield from _dupes(ec2.get(kind, []), f"ec2.{kind}")
    for i, vol in enumerate(ec2.get("volumes", [])):
        if "attached_to" in vol and vol["attached_to"] not in instances:
            yield f"ec2.volumes[{i}].attached_to", f"no instance named {vol['attached_to']!r}"
    for i, snap in enumerate(ec2.get("snapshots", [])):
        if snap["volume"] != "deleted" and snap["volume"] not in volumes:
            yield (
                f"ec2.snapshots[{i}].volume",
                f"no volume named {snap['volume']!r} (use 'deleted' for a removed volume)",
            )
    for kind, field in (
        ("instances", "launch_time"),
        ("volumes", "create_time"),
        ("snapshots", "start_time"),
    ):
        for i, item in enumerate(ec2.get(kind, [])):
            if field in item and not _ISO.match(str(item[field])):
                yield f"ec2.{kind}[{i}].{field}", "use an ISO 8601 time like 2026-11-01T08:00:00Z"


_ISO = re.compile(r"^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$")


def _dynamodb_errors(ddb: dict):
    tables = ddb.get("tables", [])
    yield from _dupes(tables, "dynamodb.tables")
    for i, table in enumerate(tables):
        keys = [table["partition_key"]] + ([table["sort_key"]] if "sort_key" in table else [])
        for j, item in enumerate(table.get("items", [])):
            for key in keys:
                value = item.get(key["name"])
                where = f"dynamodb.tables[{i}].items[{j}].{key['name']}"
                if value is None:
                    yield where, "missing key attribute"
                elif key["type"] == "N" and not isinstance(value, int | float):
                    yield where, f"key type is N but {value!r} is not a number"
                elif key["type"] == "S" and not isinstance(value, str):
                    yield where, f"key type is S but {value!r} is not a string"
