import os

import boto3

# INIT: runs once per execution environment; warm invocations reuse the table object
# and its HTTP connections.
print("creating DynamoDB client")
table = boto3.resource("dynamodb").Table(os.environ["MENU_TABLE"])
invocations = 0


def lambda_handler(event, context):
    global invocations
    invocations += 1
    item = table.get_item(Key={"dish": event["dish"]}).get("Item")
    price = float(item["price"]) if item else None  # DynamoDB numbers are Decimal
    return {"dish": event["dish"], "price": price, "invocation": invocations}
