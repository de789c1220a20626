import os

import boto3


def lambda_handler(event, context):
    # TODO: move the set-up to init code and count invocations per environment.
    print("creating DynamoDB client")
    table = boto3.resource("dynamodb").Table(os.environ["MENU_TABLE"])
    item = table.get_item(Key={"dish": event["dish"]}).get("Item")
    return {"dish": event["dish"], "price": float(item["price"]) if item else None, "invocation": 1}
