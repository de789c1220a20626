import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def respond(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def lambda_handler(event, context):
    payment = json.loads(event["body"])
    # TODO: read the Idempotency-Key header and make retries safe.
    item = {
        "payment_id": context.aws_request_id,
        "order_id": payment["order_id"],
        "amount": Decimal(str(payment["amount"])),
        "currency": payment["currency"],
        "status": "CAPTURED",
    }
    table.put_item(Item=item)
    return respond(201, {"payment_id": item["payment_id"], "order_id": item["order_id"],
                         "amount": float(item["amount"]), "currency": item["currency"], "status": "CAPTURED"})
