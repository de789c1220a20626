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
from urllib.parse import parse_qsl, quote_plus

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


# ---------------------------------------------------------------------------------- DynamoDB


def _typed_json(value: Any) -> Any:
    # boto3 returns B/BS as bytes; Lambda events carry them base64-encoded.
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _typed_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed_json(v) for v in value]
    return value


def dynamodb_stream_record(record: dict[str, Any], *, stream_arn: str) -> dict[str, Any]:
    """A record from dynamodbstreams.get_records → the Lambda event record shape."""
    ddb = dict(record["dynamodb"])
    created = ddb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        ddb["ApproximateCreationDateTime"] = int(created.timestamp())
    view = ddb.get("StreamViewType", "NEW_AND_OLD_IMAGES")
    if view in ("KEYS_ONLY", "OLD_IMAGE"):
        ddb.pop("NewImage", None)
    if view in ("KEYS_ONLY", "NEW_IMAGE"):
        ddb.pop("OldImage", None)
    ordered = {
        k: _typed_json(ddb[k])
        for k in (
            "ApproximateCreationDateTime",
            "Keys",
            "NewImage",
            "OldImage",
            "SequenceNumber",
            "SizeBytes",
            "StreamViewType",
        )
        if k in ddb
    }
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record["awsRegion"],
        "dynamodb": ordered,
        "eventSourceARN": stream_arn,
    }


class StreamReader:
    """Follows one table's stream in a mock account, returning new records as Lambda sees them."""

    def __init__(self, account: Any, table: str) -> None:
        self.ddb = account.boto3_client("dynamodb")
        self.streams = account.boto3_client("dynamodbstreams")
        self.stream_arn = self.ddb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
        if not self.stream_arn:
            raise ValueError(f"table {table!r} has no stream; set `stream:` in the fixture")
        self._iterators: dict[str, str] = {}

    def _shard_iterators(self) -> dict[str, str]:
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in shards["Shards"]:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType="TRIM_HORIZON",
                )["ShardIterator"]
        return self._iterators

    def read(self) -> list[dict[str, Any]]:
        """New records since the last read, oldest first."""
        out = []
        for shard, iterator in list(self._shard_iterators().items()):
            reply = self.streams.get_records(ShardIterator=iterator)
            self._iterators[shard] = reply.get("NextShardIterator") or iterator
            out += [dynamodb_stream_record(r, stream_arn=self.stream_arn) for r in reply["Records"]]
        return out


def dynamodb_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}


# ------------------------------------------------------------------------------ API Gateway


def _split_query(query: str | dict | None) -> list[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    return [(k, str(x)) for k, v in query.items() for x in (v if isinstance(v, list) else [v])]


def _body(body: str | bytes | dict | list | None) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            return base64.b64encode(body).decode(), True
    return (body if isinstance(body, str) else json.dumps(body)), False


def _clf_time(at: datetime) -> str:
    return at.strftime("%d/%b/%Y:%H:%M:%S +0000")


def apigw_rest_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str | dict | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    resource: str | None = None,
    path_parameters: dict | None = None,
    stage: str = "prod",
    stage_variables: dict | None = None,
    api_id: str = "1234567890",
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    source_ip: str = "203.0.113.10",
    at: datetime | None = None,
) -> dict[str, Any]:
    """API Gateway REST API proxy integration (payload 1.0): absent parts are null."""
    at = _now(at)
    pairs = _split_query(query)
    headers = {
        "Host": f"{api_id}.execute-api.{region}.amazonaws.com",
        "User-Agent": "curl/8.5.0",
        "X-Forwarded-For": source_ip,
    } | dict(headers or {})
    multi_q: dict[str, list[str]] = {}
    for k, v in pairs:
        multi_q.setdefault(k, []).append(v)
    text, is_b64 = _body(body)
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_q.items()} or None,
        "multiValueQueryStringParameters": multi_q or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": {
            "accountId": account,
            "resourceId": "abc123",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": _request_id() + "=",
            "requestTime": _clf_time(at),
            "requestTimeEpoch": int(at.timestamp() * 1000),
            "identity": {
                k: None
                for k in (
                    "cognitoIdentityPoolId",
                    "accountId",
                    "cognitoIdentityId",
                    "caller",
                    "accessKey",
                    "cognitoAuthenticationType",
                    "cognitoAuthenticationProvider",
                    "userArn",
                    "user",
                )
            }
            | {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
            "path": f"/{stage}{path}",
            "resourcePath": resource or path,
            "httpMethod": method.upper(),
            "apiId": api_id,
            "protocol": "HTTP/1.1",
            "domainName": f"{api_id}.execute-api.{region}.amazonaws.com",
            "domainPrefix": api_id,
            "deploymentId": "wxyz12",
        },
        "body": text,
        "isBase64Encoded": is_b64,
    }


def apigw_http_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str | dict | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    route_key: str = "$default",
    path_parameters: dict | None = None,
    cookies: list[str] | None = None,
    stage: str = "$default",
    api_id: str = "1234567890",
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    source_ip: str = "203.0.113.10",
    at: datetime | None = None,
) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0): lower-case headers, joined duplicates, absent omitted."""
    at = _now(at)
    pairs = _split_query(query)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    lowered = {"host": domain, "user-agent": "curl/8.5.0", "x-forwarded-for": source_ip}
    lowered |= {k.lower(): v for k, v in (headers or {}).items()}
    joined: dict[str, str] = {}
    for k, v in pairs:
        joined[k] = f"{joined[k]},{v}" if k in joined else v
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in pairs),
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = lowered
    if joined:
        event["queryStringParameters"] = joined
    event["requestContext"] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered["user-agent"],
        },
        "requestId": _request_id() + "=",
        "routeKey": route_key,
        "stage": stage,
        "time": _clf_time(at),
        "timeEpoch": int(at.timestamp() * 1000),
    }
    text, is_b64 = _body(body)
    if text is not None:
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = path_parameters
    event["isBase64Encoded"] = is_b64
    return event


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
