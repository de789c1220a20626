from datetime import datetime

import boto3

ec2 = boto3.client("ec2")


def lambda_handler(event, context):
    fired_at = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    print(f"schedule fired at {fired_at.isoformat()}")
    # TODO: decide whether this is outside office hours, find the running dev
    # instances and stop them.
    return {"stopped": []}
