"""Events carry the shapes AWS sends to Lambda (fact sheet §7), built from real mock actions."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import pytest

from lambdalab.mockaws import MockAccount, event_templates
from lambdalab.mockaws import events as ev

AT = datetime(2026, 11, 1, 19, 0, 0, 250000, tzinfo=UTC)


@pytest.fixture(scope="module")
def account():
    fixture = {
        "s3": {"buckets": [{"name": "uploads"}]},
        "dynamodb": {
            "tables": [
                {"name": f"T-{view}", "partition_key": {"name": "id", "type": "S"}, "stream": view}
                for view in ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
            ]
        },
        "sqs": {"queues": [{"name": "orders", "messages": ["one", {"json": {"n": 2}}]}]},
        "sns": {"topics": [{"name": "alerts"}]},
    }
    with MockAccount.start(fixtures=fixture, account_id="111122223333") as acct:
        yield acct


def test_s3_put_event_describes_the_object_the_mock_stored(account):
    event = ev.s3_put_from_mock(
        account, bucket="uploads", key="in/my report+1.csv", body="id\n1\n", at=AT
    )
    (record,) = event["Records"]
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put" and record["awsRegion"] == "us-east-1"
    assert record["eventTime"] == "2026-11-01T19:00:00.250Z"
    assert record["userIdentity"]["principalId"].startswith("AWS:AIDA")
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3 = record["s3"]
    assert s3["s3SchemaVersion"] == "1.0" and s3["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert s3["object"]["key"] == "in/my+report%2B1.csv"
    assert unquote_plus(s3["object"]["key"]) == "in/my report+1.csv"
    stored = account.state()["s3"]["uploads"]["in/my report+1.csv"]
    assert s3["object"]["size"] == stored["size"] == 5
    assert s3["object"]["eTag"] == stored["etag"].strip('"')
    assert re.fullmatch(r"[0-9A-F]{16}", s3["object"]["sequencer"])


def test_scheduled_event_matches_the_eventbridge_envelope():
    event = ev.scheduled_event(
        rule="nightly-stop", at=AT, account="111122223333", region="eu-west-1"
    )
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert event["version"] == "0" and event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events" and event["time"] == "2026-11-01T19:00:00Z"
    assert event["resources"] == ["arn:aws:events:eu-west-1:111122223333:rule/nightly-stop"]
    assert event["detail"] == {}


def test_alarm_state_change_uses_the_cloudwatch_detail_shape():
    event = ev.alarm_state_change_event(
        alarm="high-cpu",
        state="ALARM",
        at=AT,
        value=99.5,
        dimensions={"InstanceId": "i-1"},
        threshold=50.0,
    )
    assert event["detail-type"] == "CloudWatch Alarm State Change"
    assert event["source"] == "aws.cloudwatch"
    assert event["resources"] == ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:high-cpu"]
    detail = event["detail"]
    assert detail["alarmName"] == "high-cpu"
    assert detail["state"]["value"] == "ALARM" and detail["previousState"]["value"] == "OK"
    assert detail["state"]["timestamp"] == "2026-11-01T19:00:00.250+0000"
    reason_data = json.loads(detail["state"]["reasonData"])  # a JSON *string*, as in AWS
    assert reason_data["recentDatapoints"] == [99.5] and reason_data["threshold"] == 50.0
    assert "Threshold Crossed" in detail["state"]["reason"]
    metric = detail["configuration"]["metrics"][0]["metricStat"]
    assert metric["metric"] == {
        "namespace": "AWS/EC2",
        "name": "CPUUtilization",
        "dimensions": {"InstanceId": "i-1"},
    }


@pytest.mark.parametrize(
    "view, new_in, old_in",
    [
        ("KEYS_ONLY", set(), set()),
        ("NEW_IMAGE", {"INSERT", "MODIFY"}, set()),
        ("OLD_IMAGE", set(), {"MODIFY", "REMOVE"}),
        ("NEW_AND_OLD_IMAGES", {"INSERT", "MODIFY"}, {"MODIFY", "REMOVE"}),
    ],
)
def test_dynamodb_stream_records_come_from_real_writes(account, view, new_in, old_in):
    table = f"T-{view}"
    reader = ev.StreamReader(account, table)
    ddb = account.boto3_client("dynamodb")
    ddb.put_item(TableName=table, Item={"id": {"S": "o-1"}, "amount": {"N": "12.5"}})
    ddb.put_item(
        TableName=table,
        Item={"id": {"S": "o-1"}, "amount": {"N": "15"}, "blob": {"B": b"\x00\x01"}},
    )
    ddb.delete_item(TableName=table, Key={"id": {"S": "o-1"}})
    records = reader.read()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert reader.read() == []  # the reader resumes where it stopped
    for r in records:
        assert r["eventVersion"] == "1.1" and r["eventSource"] == "aws:dynamodb"
        assert r["eventSourceARN"].startswith(
            f"arn:aws:dynamodb:us-east-1:111122223333:table/{table}/stream/"
        )
        d = r["dynamodb"]
        assert isinstance(d["ApproximateCreationDateTime"], int)
        assert d["Keys"] == {"id": {"S": "o-1"}} and d["StreamViewType"] == view
        assert isinstance(d["SequenceNumber"], str) and isinstance(d["SizeBytes"], int)
        assert ("NewImage" in d) == (r["eventName"] in new_in)
        assert ("OldImage" in d) == (r["eventName"] in old_in)
    if view == "NEW_AND_OLD_IMAGES":
        modify = records[1]["dynamodb"]
        assert modify["OldImage"]["amount"] == {"N": "12.5"}
        assert modify["NewImage"]["amount"] == {"N": "15"}
        assert modify["NewImage"]["blob"] == {"B": "AAE="}
    json.dumps(records)  # the event must be plain JSON


def test_rest_api_event_uses_nulls_for_absent_parts():
    event = ev.apigw_rest_event(method="get", path="/items", at=AT)
    assert event["httpMethod"] == "GET" and event["resource"] == "/items"
    for field in (
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ):
        assert event[field] is None
    ctx = event["requestContext"]
    assert ctx["requestTime"] == "01/Nov/2026:19:00:00 +0000"
    assert ctx["requestTimeEpoch"] == 1793559600250 and ctx["path"] == "/prod/items"
    assert ctx["identity"]["sourceIp"] and ctx["identity"]["caller"] is None
    assert event["isBase64Encoded"] is False


def test_rest_api_event_carries_query_headers_and_body():
    event = ev.apigw_rest_event(
        method="POST",
        path="/orders",
        query="a=1&a=2&b=x",
        headers={"Content-Type": "application/json"},
        body={"x": 1},
    )
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert json.loads(event["body"]) == {"x": 1}


def test_http_api_event_lowercases_headers_joins_duplicates_and_omits_absent_parts():
    event = ev.apigw_http_event(
        method="POST",
        path="/items",
        query="tag=a&tag=b",
        headers={"X-Trace": "t1"},
        body=b"\xff\x00",
        at=AT,
    )
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawQueryString"] == "tag=a&tag=b"
    assert event["queryStringParameters"] == {"tag": "a,b"}
    assert event["headers"]["x-trace"] == "t1" and all(k == k.lower() for k in event["headers"])
    assert event["isBase64Encoded"] is True and event["body"] == "/wA="
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["timeEpoch"] == 1793559600250
    bare = ev.apigw_http_event(path="/")
    assert not {"body", "cookies", "queryStringParameters", "pathParameters"} & set(bare)
    assert not any(k.startswith("multiValue") for k in bare)


def test_sqs_batch_is_received_from_the_mock_queue(account):
    event = ev.sqs_batch_from_mock(account, queue="orders", batch_size=10)
    bodies = sorted(r["body"] for r in event["Records"])
    assert bodies == sorted(['{"n": 2}', "one"])
    for r in event["Records"]:
        assert set(r) == {
            "messageId",
            "receiptHandle",
            "body",
            "attributes",
            "messageAttributes",
            "md5OfBody",
            "eventSource",
            "eventSourceARN",
            "awsRegion",
        }
        assert r["md5OfBody"] == hashlib.md5(r["body"].encode()).hexdigest()
        assert r["eventSourceARN"] == "arn:aws:sqs:us-east-1:111122223333:orders"
        assert r["attributes"]["ApproximateReceiveCount"] == "1"
        assert r["attributes"]["SentTimestamp"].isdigit()
    assert account.state()["sqs"]["orders"] == {"messages": 0, "in_flight": 2}


def test_sns_notification_uses_pascal_case_and_the_published_message_id(account):
    event = ev.sns_publish_from_mock(account, topic="alerts", message={"disk": 91}, subject="Disk")
    (record,) = event["Records"]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    sns = record["Sns"]
    assert sns["Type"] == "Notification" and sns["Subject"] == "Disk"
    assert sns["TopicArn"] == "arn:aws:sns:us-east-1:111122223333:alerts"
    assert record["EventSubscriptionArn"].startswith(sns["TopicArn"] + ":")
    assert json.loads(sns["Message"]) == {"disk": 91}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", sns["Timestamp"])
    assert sns["SigningCertUrl"].startswith("https://sns.us-east-1.amazonaws.com/")


def test_the_template_catalogue_offers_every_event_source_as_editable_json():
    templates = event_templates()
    ids = [t["id"] for t in templates]
    assert len(ids) == len(set(ids))
    assert {
        "s3-put",
        "eventbridge-schedule",
        "cloudwatch-alarm",
        "dynamodb-update",
        "apigateway-rest",
        "apigateway-http",
        "sqs-receive",
        "sns-notification",
    } <= set(ids)
    for t in templates:
        assert t["name"] and t["description"] and t["service"]
        assert json.loads(json.dumps(t["event"])) == t["event"]
    ddb = next(t for t in templates if t["id"] == "dynamodb-update")["event"]["Records"]
    assert [r["eventName"] for r in ddb] == ["INSERT", "MODIFY", "REMOVE"]
    assert "OldImage" not in ddb[0]["dynamodb"] and "NewImage" not in ddb[2]["dynamodb"]


def test_alarm_action_event_carries_the_alarm_data_without_an_envelope():
    event = ev.alarm_action_event(alarm="high-cpu", state="ALARM", at=AT, account="111122223333")
    assert set(event) == {"source", "alarmArn", "accountId", "time", "region", "alarmData"}
    assert event["source"] == "aws.cloudwatch"
    assert event["alarmArn"] == "arn:aws:cloudwatch:us-east-1:111122223333:alarm:high-cpu"
    assert event["alarmData"]["alarmName"] == "high-cpu"
    assert event["alarmData"]["state"]["value"] == "ALARM"
    assert set(event["alarmData"]) == {"alarmName", "state", "previousState", "configuration"}
