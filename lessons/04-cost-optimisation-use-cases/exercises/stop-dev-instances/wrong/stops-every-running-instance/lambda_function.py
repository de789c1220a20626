from datetime import datetime

import boto3

# Created once per execution environment and reused by warm invocations.
ec2 = boto3.client("ec2")

OFFICE_DAYS = range(0, 5)     # Monday..Friday
OFFICE_HOURS = range(8, 19)   # 08:00..18:59 UTC


def outside_office_hours(moment):
    return moment.weekday() not in OFFICE_DAYS or moment.hour not in OFFICE_HOURS


def running_dev_instance_ids():
    filters = [{"Name": "instance-state-name", "Values": ["running"]}]
    ids = []
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            ids += [instance["InstanceId"] for instance in reservation["Instances"]]
    return ids


def lambda_handler(event, context):
    # The schedule's own timestamp, so delayed or replayed events decide correctly.
    fired_at = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    if not outside_office_hours(fired_at):
        print(f"{fired_at:%A %H:%M} is office hours; nothing to do")
        return {"stopped": []}
    ids = running_dev_instance_ids()
    if ids:
        ec2.stop_instances(InstanceIds=ids)
    print(f"stopped {len(ids)} dev instance(s): {ids}")
    return {"stopped": ids}
