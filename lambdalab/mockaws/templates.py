"""Editable test-event templates for the UI, like the Lambda console's and
`sam local generate-event`'s.


Each template is built by the same builders the triggers use, so a learner who tests with a
template gets exactly the shape a real trigger will later send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lambdalab.mockaws import events

_AT = datetime(2026, 11, 1, 12, 0, 0, 123000, tzinfo=UTC)

# (id, service, name, description, builder)
_CATALOGUE: list[tuple[str, str, str, str, Callable[[], dict[str, Any]]]] = [
    (
        "hello-world",
        "lambda",
        "Hello World",
        "A plain JSON object, as the console's default.",
        lambda: {"key1": "value1", "key2": "value2", "key3": "value3"},
    ),
    (
        "s3-put",
        "s3",
        "S3 Put",
        "An object was uploaded (ObjectCreated:Put). The key is URL-encoded.",
        lambda: events.s3_event(
            bucket="uploads",
            key="reports/2026-11 sales.csv",
            size=1024,
            etag="0123456789abcdef0123456789abcdef",
            at=_AT,
            sequencer="0A1B2C3D4E5F678901",
        ),
    ),
    (
        "s3-delete",
        "s3",
        "S3 Delete",
        "An object was deleted (ObjectRemoved:Delete).",
        lambda: events.s3_event(
            bucket="uploads",
            key="reports/old.csv",
            size=0,
            etag="",
            event_name="ObjectRemoved:Delete",
            at=_AT,
            sequencer="0A1B2C3D4E5F678902",
        ),
    ),
    (
        "eventbridge-schedule",
        "events",
        "EventBridge Scheduled Event",
        "A cron or rate rule fired.",
        lambda: events.scheduled_event(rule="nightly-stop", at=_AT),
    ),
    (
        "cloudwatch-alarm",
        "cloudwatch",
        "CloudWatch Alarm State Change",
        "An alarm went from OK to ALARM, delivered through EventBridge.",
        lambda: events.alarm_state_change_event(
            alarm="high-cpu",
            state="ALARM",
            dimensions={"InstanceId": "i-0123456789abcdef0"},
            value=93.5,
            at=_AT,
        ),
    ),
    (
        "cloudwatch-alarm-action",
        "cloudwatch",
        "CloudWatch Alarm Action",
        "An alarm invoked the function directly as its action (no EventBridge envelope).",
        lambda: events.alarm_action_event(
            alarm="high-cpu",
            state="ALARM",
            value=93.5,
            at=_AT,
            dimensions={"InstanceId": "i-0123456789abcdef0"},
        ),
    ),
    (
        "dynamodb-update",
        "dynamodb",
        "DynamoDB Stream",
        "One INSERT, one MODIFY and one REMOVE record from a NEW_AND_OLD_IMAGES stream.",
        lambda: _dynamodb_sample(),
    ),
    (
        "apigateway-rest",
        "apigateway",
        "API Gateway REST (v1 proxy)",
        "POST /orders through a REST API proxy integration.",
        lambda: events.apigw_rest_event(
            method="POST",
            path="/orders",
            resource="/orders",
            headers={"Content-Type": "application/json"},
            query={"dryRun": "false"},
            at=_AT,
            body={"order_id": "o-1", "total": 12.5},
        ),
    ),
    (
        "apigateway-http",
        "apigateway",
        "API Gateway HTTP API (v2)",
        "GET /items/42 through an HTTP API with payload format 2.0.",
        lambda: events.apigw_http_event(
            method="GET",
            path="/items/42",
            route_key="GET /items/{id}",
            path_parameters={"id": "42"},
            query="fields=name&fields=price",
            at=_AT,
        ),
    ),
    (
        "sqs-receive",
        "sqs",
        "SQS Receive Message",
        "A batch of two messages from a queue.",
        lambda: events.sqs_event(
            bodies=["Hello from SQS!", '{"order_id": "o-1"}'], queue="orders", sent_at=_AT
        ),
    ),
    (
        "sns-notification",
        "sns",
        "SNS Notification",
        "A message published to a topic.",
        lambda: events.sns_event(
            message="Disk almost full on web-1", topic="alerts", subject="Storage alert", at=_AT
        ),
    ),
]


def _image(**values: Any) -> dict[str, Any]:
    return {
        k: ({"N": str(v)} if isinstance(v, int | float) else {"S": v}) for k, v in values.items()
    }


def _dynamodb_sample() -> dict[str, Any]:
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Payments/stream/2026-11-01T00:00:00.000"
    created = int(_AT.timestamp())
    rows = [
        ("INSERT", None, _image(order_id="o-1", amount=12.5)),
        ("MODIFY", _image(order_id="o-1", amount=12.5), _image(order_id="o-1", amount=15)),
        ("REMOVE", _image(order_id="o-1", amount=15), None),
    ]
    records = []
    for n, (name, old, new) in enumerate(rows, start=1):
        ddb: dict[str, Any] = {
            "ApproximateCreationDateTime": created,
            "Keys": {"order_id": {"S": "o-1"}},
        }
        if new:
            ddb["NewImage"] = new
        if old:
            ddb["OldImage"] = old
        ddb |= {
            "SequenceNumber": f"{n}11000000000000000000{n}",
            "SizeBytes": 26 + 12 * n,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        records.append(
            events.dynamodb_stream_record(
                {
                    "eventID": f"c4ca4238a0b923820dcc509a6f75849{n}",
                    "eventName": name,
                    "awsRegion": "us-east-1",
                    "dynamodb": ddb,
                },
                stream_arn=arn,
            )
        )
    return events.dynamodb_event(records)


def event_templates() -> list[dict[str, Any]]:
    """The catalogue: [{id, service, name, description, event}], events freshly built."""
    return [
        {"id": tid, "service": service, "name": name, "description": description, "event": build()}
        for tid, service, name, description, build in _CATALOGUE
    ]


def event_template(template_id: str) -> dict[str, Any]:
    """One template's event by id; KeyError if there is none."""
    for tid, _service, _name, _description, build in _CATALOGUE:
        if tid == template_id:
            return build()
    raise KeyError(template_id)
