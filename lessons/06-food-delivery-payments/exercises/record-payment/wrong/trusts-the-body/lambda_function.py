import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
CURRENCIES = {"EUR", "USD", "GBP"}


def respond(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def validation_error(payment):
    """The first problem with the request, or None when it is valid."""
    if not isinstance(payment, dict):
        return "invalid_json"
    if not isinstance(payment.get("order_id"), str) or not payment["order_id"].strip():
        return "missing_order_id"
    amount = payment.get("amount")
    # bool is a subclass of int in Python; {"amount": true} is not a price.
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
        return "invalid_amount"
    if payment.get("currency") not in CURRENCIES:
        return "invalid_currency"
    return None


def lambda_handler(event, context):
    payment = json.loads(event["body"])
    error = validation_error(payment)
    if error:
        print(f"refused payment: {error}")
        return respond(400, {"error": error})

    item = {
        "order_id": payment["order_id"],
        "payment_id": context.aws_request_id,
        # DynamoDB numbers must be Decimal; str() keeps 19.99 exactly 19.99.
        "amount": Decimal(str(payment["amount"])),
        "currency": payment["currency"],
        "status": "CAPTURED",
    }
    table.put_item(Item=item)  # the card token is deliberately not stored
    print(f"captured {item['amount']} {item['currency']} for {item['order_id']}")
    return respond(201, {"payment_id": item["payment_id"], "order_id": item["order_id"], "status": "CAPTURED"})
