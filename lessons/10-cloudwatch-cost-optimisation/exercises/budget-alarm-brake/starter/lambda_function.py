import os

import boto3

ec2 = boto3.client("ec2")
sns = boto3.client("sns")


def lambda_handler(event, context):
    state = event["detail"]["state"]["value"]
    print(f"alarm {event['detail']['alarmName']} is now {state}")
    # TODO: on ALARM, stop running dev instances and publish a notification.
    return {"state": state, "stopped": []}
