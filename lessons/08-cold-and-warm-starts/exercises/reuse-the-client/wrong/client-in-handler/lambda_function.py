import os

import boto3

invocations = 0


def lambda_handler(event, context):
    global invocations
    invocations += 1
    print("creating DynamoDB client")
    table = boto3.resource("dynamodb").Table(os.environ["MENU_TABLE"])
    item = table.get_item(Key={"dish": event["dish"]}).get("Item")
    price = float(item["price"]) if item else None
    return {"dish": event["dish"], "price": price, "invocation": invocations}
