import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def respond(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def lambda_handler(event, context):
    payment = json.loads(event["body"])
    # TODO: validate the payment, record it in the table, answer 201 (or 400).
    return respond(201, {"payment_id": context.aws_request_id, "order_id": payment["order_id"], "status": "CAPTURED"})
