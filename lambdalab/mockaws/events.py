"""Event payloads with the shapes real AWS sends to Lambda (fact sheet §7, real over SAM).

Pure builders take plain values; the `*_from_mock` helpers perform or read a real action in a
`MockAccount` and build the event from what the mock actually stored (size, ETag, message ids,
stream records), so what a learner's handler receives matches the account it then inspects.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

# Re-exported so `events` is the one place to import any builder from.
from lambdalab.mockaws.apigw import apigw_http_event, apigw_rest_event
from lambdalab.mockaws.streams import StreamReader, dynamodb_event, dynamodb_stream_record

__all__ = [
    "StreamReader",
    "alarm_action_event",
    "alarm_state_change_event",
    "apigw_http_event",
    "apigw_rest_event",
    "dynamodb_event",
    "dynamodb_stream_record",
    "s3_event",
    "s3_put_from_mock",
    "scheduled_event",
    "sns_event",
    "sns_publish_from_mock",
    "sqs_batch_from_mock",
    "sqs_event",
    "sqs_record",
]

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


def _now(at: datetime | None) -> datetime:
    at = at or datetime.now(UTC)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _iso_ms(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _request_id() -> str:
    return uuid.uuid4().hex[:16].upper()


# ---------------------------------------------------------------------------------------- S3


def s3_event(
    *,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    event_name: str = "ObjectCreated:Put",
    region: str = DEFAULT_REGION,
    at: datetime | None = None,
    sequencer: str | None = None,
    version_id: str | None = None,
    configuration_id: str = "lambdalab-notification",
    principal: str = "AWS:AIDAJDPLRKLG7UEXAMPLE",
) -> dict[str, Any]:
    """An S3 notification; the key is URL-encoded as S3 sends it (space → '+')."""
    at = _now(at)
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),
        "size": size,
        "eTag": etag.strip('"'),
        "sequencer": sequencer or f"{time.time_ns():X}"[-16:].rjust(16, "0"),
    }
    if event_name.startswith("ObjectRemoved"):
        obj = {k: obj[k] for k in ("key", "sequencer")}
    if version_id and version_id != "null":
        obj["versionId"] = version_id
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": _iso_ms(at),
                "eventName": event_name,
                "userIdentity": {"principalId": principal},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {
                    "x-amz-request-id": _request_id(),
                    "x-amz-id-2": base64.b64encode(uuid.uuid4().bytes * 3).decode(),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        ]
    }


def s3_put_from_mock(
    account: Any,
    *,
    bucket: str,
    key: str,
    body: bytes | str,
    content_type: str | None = None,
    **event_kwargs: Any,
) -> dict[str, Any]:
    """Put an object into the mock, then describe that put as S3 would notify it."""
    s3 = account.boto3_client("s3")
    data = body.encode() if isinstance(body, str) else body
    extra = {"ContentType": content_type} if content_type else {}
    reply = s3.put_object(Bucket=bucket, Key=key, Body=data, **extra)
    region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    return s3_event(
        bucket=bucket,
        key=key,
        size=len(data),
        etag=reply["ETag"],
        version_id=reply.get("VersionId"),
        region=region,
        **event_kwargs,
    )


# ------------------------------------------------------------------------------- EventBridge


def _envelope(
    *,
    detail_type: str,
    source: str,
    resources: list[str],
    detail: dict,
    account: str,
    region: str,
    at: datetime,
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def scheduled_event(
    *,
    rule: str,
    at: datetime | None = None,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """What an EventBridge cron/rate rule sends when it fires at `at`."""
    return _envelope(
        detail_type="Scheduled Event",
        source="aws.events",
        resources=[f"arn:aws:events:{region}:{account}:rule/{rule}"],
        detail={},
        account=account,
        region=region,
        at=_now(at).replace(microsecond=0),
    )


def _cw_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def alarm_state_change_event(
    *,
    alarm: str,
    state: str,
    previous_state: str = "OK",
    reason: str | None = None,
    namespace: str = "AWS/EC2",
    metric: str = "CPUUtilization",
    dimensions: dict | None = None,
    threshold: float = 80.0,
    statistic: str = "Average",
    period: int = 300,
    value: float | None = None,
    description: str | None = None,
    at: datetime | None = None,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """ "CloudWatch Alarm State Change" as EventBridge delivers it (fact sheet §7.3)."""
    at = _now(at)
    value = threshold + 1 if value is None else value
    reason = reason or (
        f"Threshold Crossed: 1 out of the last 1 datapoints [{value} "
        f"({at:%d/%m/%y %H:%M:%S})] was "
        f"{'greater' if state == 'ALARM' else 'not greater'} than the threshold "
        f"({threshold}) (minimum 1 datapoint for {previous_state} -> {state} "
        f"transition)."
    )
    reason_data = json.dumps(
        {
            "version": "1.0",
            "queryDate": _cw_time(at),
            "startDate": _cw_time(at),
            "statistic": statistic,
            "period": period,
            "recentDatapoints": [value],
            "threshold": threshold,
        }
    )
    metric_stat = {
        "metric": {"namespace": namespace, "name": metric, "dimensions": dict(dimensions or {})},
        "period": period,
        "stat": statistic,
    }
    detail = {
        "alarmName": alarm,
        "state": {
            "value": state,
            "reason": reason,
            "reasonData": reason_data,
            "timestamp": _cw_time(at),
        },
        "previousState": {
            "value": previous_state,
            "reason": "Unchecked: Initial alarm creation",
            "timestamp": _cw_time(at),
        },
        "configuration": {
            "description": description or "",
            "metrics": [{"id": "m1", "metricStat": metric_stat, "returnData": True}],
        },
    }
    return _envelope(
        detail_type="CloudWatch Alarm State Change",
        source="aws.cloudwatch",
        resources=[f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm}"],
        detail=detail,
        account=account,
        region=region,
        at=at,
    )


def alarm_action_event(**kwargs: Any) -> dict[str, Any]:
    """The event a CloudWatch alarm *action* sends straight to Lambda (2023+, fact sheet §7.3).

    Same arguments as `alarm_state_change_event`; the alarm data sits under `alarmData`
    instead of an EventBridge envelope's `detail`.
    """
    envelope = alarm_state_change_event(**kwargs)
    return {
        "source": "aws.cloudwatch",
        "alarmArn": envelope["resources"][0],
        "accountId": envelope["account"],
        "time": envelope["detail"]["state"]["timestamp"],
        "region": envelope["region"],
        "alarmData": envelope["detail"],
    }


# ---------------------------------------------------------------------------------- SQS, SNS


def sqs_record(
    *,
    body: str,
    queue: str,
    message_id: str | None = None,
    receipt_handle: str | None = None,
    sent_at: datetime | None = None,
    receive_count: int = 1,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    fifo_group: str | None = None,
) -> dict[str, Any]:
    sent = int(_now(sent_at).timestamp() * 1000)
    attributes = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(sent),
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": str(sent),
    }
    if fifo_group:
        attributes |= {
            "SequenceNumber": f"{time.time_ns():020d}",
            "MessageGroupId": fifo_group,
            "MessageDeduplicationId": hashlib.sha256(body.encode()).hexdigest(),
        }
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": receipt_handle or base64.b64encode(uuid.uuid4().bytes * 4).decode(),
        "body": body,
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{region}:{account}:{queue}",
        "awsRegion": region,
    }


def sqs_event(*, bodies: list[str], queue: str = "MyQueue", **kwargs: Any) -> dict[str, Any]:
    """A batch as the SQS event source mapping delivers it (pure builder)."""
    return {"Records": [sqs_record(body=b, queue=queue, **kwargs) for b in bodies]}


def sqs_batch_from_mock(
    account: Any, *, queue: str, batch_size: int = 10, visibility_timeout: int = 30
) -> dict[str, Any] | None:
    """Receive up to `batch_size` real messages from the mock queue (None when it is empty)."""
    sqs = account.boto3_client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    reply = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=min(batch_size, 10),
        VisibilityTimeout=visibility_timeout,
        AttributeNames=["All"],
    )
    messages = reply.get("Messages", [])
    if not messages:
        return None
    records = []
    for m in messages:
        record = sqs_record(
            body=m["Body"],
            queue=queue,
            message_id=m["MessageId"],
            receipt_handle=m["ReceiptHandle"],
            account=account.account_id,
            region=account.region,
            fifo_group=m.get("Attributes", {}).get("MessageGroupId"),
        )
        record["attributes"].update(
            {
                k: v
                for k, v in m.get("Attributes", {}).items()
                if k in record["attributes"] or k == "AWSTraceHeader"
            }
        )
        record["md5OfBody"] = m["MD5OfBody"]
        records.append(record)
    return {"Records": records}


def sns_event(
    *,
    message: str | dict,
    topic: str = "MyTopic",
    subject: str | None = None,
    attributes: dict[str, str] | None = None,
    message_id: str | None = None,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An SNS notification to a Lambda subscriber (PascalCase keys, unlike SQS)."""
    topic_arn = f"arn:aws:sns:{region}:{account}:{topic}"
    text = message if isinstance(message, str) else json.dumps(message)
    cert = hashlib.md5(region.encode(), usedforsecurity=False).hexdigest()
    sub_arn = f"{topic_arn}:{uuid.uuid4()}"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": sub_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id or str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": text,
                    "Timestamp": _iso_ms(_now(at)),
                    "SignatureVersion": "1",
                    "Signature": base64.b64encode(hashlib.sha256(text.encode()).digest()).decode(),
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
                    f"SimpleNotificationService-{cert}.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                    f"&SubscriptionArn={sub_arn}",
                    "MessageAttributes": {
                        k: {"Type": "String", "Value": v} for k, v in (attributes or {}).items()
                    },
                },
            }
        ]
    }


def sns_publish_from_mock(
    account: Any, *, topic: str, message: str | dict, subject: str | None = None
) -> dict[str, Any]:
    """Publish to the mock topic (queues subscribed to it receive it too), then build the event."""
    sns = account.boto3_client("sns")
    arn = f"arn:aws:sns:{account.region}:{account.account_id}:{topic}"
    text = message if isinstance(message, str) else json.dumps(message)
    kwargs = {"Subject": subject} if subject else {}
    reply = sns.publish(TopicArn=arn, Message=text, **kwargs)
    return sns_event(
        message=text,
        topic=topic,
        subject=subject,
        message_id=reply["MessageId"],
        account=account.account_id,
        region=account.region,
    )
