import json
import os

import boto3
from boto3.dynamodb.types import TypeDeserializer

sqs = boto3.client("sqs")
deserializer = TypeDeserializer()
_queue_url = None


def queue_url():
    """Look the queue up on first use and remember it for warm invocations."""
    global _queue_url
    if _queue_url is None:
        _queue_url = sqs.get_queue_url(QueueName=os.environ["QUEUE_NAME"])["QueueUrl"]
    return _queue_url


def plain(image):
    """Stream images are typed ({"S": "x"}); turn them into ordinary Python values."""
    return {name: deserializer.deserialize(value) for name, value in image.items()}


def newly_delivered(record):
    new = plain(record["dynamodb"].get("NewImage", {}))
    if new.get("status") == "DELIVERED":
        return new
    return None


def lambda_handler(event, context):
    notified = []
    for record in event["Records"]:
        order = newly_delivered(record)
        if order is None:
            continue
        body = {"order_id": order["order_id"], "customer": order["customer"]}
        sqs.send_message(QueueUrl=queue_url(), MessageBody=json.dumps(body))
        notified.append(order["order_id"])
    print(f"{len(event['Records'])} records, {len(notified)} review request(s)")
    return {"notified": notified}
