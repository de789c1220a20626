import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
AlreadyStored = table.meta.client.exceptions.ConditionalCheckFailedException


def respond(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def payment_body(item):
    """The response body, built from the stored item so a retry gets identical bytes."""
    return {
        "payment_id": item["payment_id"],
        "order_id": item["order_id"],
        "amount": float(item["amount"]),
        "currency": item["currency"],
        "status": item["status"],
    }


def idempotency_key(event):
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    return headers.get("idempotency-key")


def lambda_handler(event, context):
    key = idempotency_key(event)
    if not key:
        return respond(400, {"error": "missing_idempotency_key"})
    payment = json.loads(event["body"])
    item = {
        "payment_id": key,
        "order_id": payment["order_id"],
        "amount": Decimal(str(payment["amount"])),
        "currency": payment["currency"],
        "status": "CAPTURED",
    }
    try:
        # DynamoDB refuses the write if the key exists, even for two requests at the same instant.
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(payment_id)")
        print(f"captured payment {key} for {item['order_id']}")
        return respond(201, payment_body(item))
    except AlreadyStored:
        stored = table.get_item(Key={"payment_id": key}, ConsistentRead=True)["Item"]
    print(f"payment {key} already exists")
    return respond(409, {"error": "idempotency_key_reused"})
