import json
import os

import boto3

sqs = boto3.client("sqs")


def lambda_handler(event, context):
    notified = []
    for record in event["Records"]:
        print(record["eventName"], record["dynamodb"]["Keys"])
        # TODO: find orders that just became DELIVERED and send a review request.
    return {"notified": notified}
