import os

import boto3

ec2 = boto3.client("ec2")
sns = boto3.client("sns")
TOPIC_NAME = os.environ["TOPIC_NAME"]


def running_dev_instance_ids():
    filters = [
        {"Name": "tag:Environment", "Values": ["dev"]},
        {"Name": "instance-state-name", "Values": ["running"]},
    ]
    ids = []
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            ids += [i["InstanceId"] for i in reservation["Instances"]]
    return ids


def topic_arn(name):
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            if topic["TopicArn"].endswith(":" + name):
                return topic["TopicArn"]
    raise LookupError(f"no SNS topic named {name}")


def lambda_handler(event, context):
    alarm = event["detail"]["alarmName"]
    state = event["detail"]["state"]["value"]
    ids = running_dev_instance_ids()
    if ids:
        ec2.stop_instances(InstanceIds=ids)
    message = f"{alarm}: stopped {len(ids)} dev instance(s) {', '.join(ids)}"
    sns.publish(TopicArn=topic_arn(TOPIC_NAME), Subject="Budget brake", Message=message)
    print(message)
    return {"state": state, "stopped": ids}
