import boto3

ec2 = boto3.client("ec2")


def scheduled_instance_ids(state):
    filters = [
        {"Name": "tag:Schedule", "Values": ["office-hours"]},
        {"Name": "instance-state-name", "Values": [state]},
    ]
    ids = []
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            ids += [i["InstanceId"] for i in reservation["Instances"]]
    return ids


def lambda_handler(event, context):
    rule = event["resources"][0].split("rule/", 1)[1]
    to_start = scheduled_instance_ids("stopped")
    to_stop = scheduled_instance_ids("running")
    if to_start:
        ec2.start_instances(InstanceIds=to_start)
    if to_stop:
        ec2.stop_instances(InstanceIds=to_stop)
    action = "start" if "start" in rule else "stop"
    return {"action": action, "instances": to_start if action == "start" else to_stop}
