import boto3

ec2 = boto3.client("ec2")

# rule name -> (action, the state an instance must be in for the action to apply)
RULES = {
    "office-hours-start": ("start", "stopped"),
    "office-hours-stop": ("stop", "running"),
}


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
    if rule not in RULES:
        # A rule we don't know is a configuration mistake: fail loudly, touch nothing.
        raise ValueError(f"unexpected rule {rule}")
    action, state = RULES[rule]
    ids = scheduled_instance_ids(state)
    if ids:
        if action == "start":
            ec2.start_instances(InstanceIds=ids)
        else:
            ec2.stop_instances(InstanceIds=ids)
    print(f"{rule}: {action} {len(ids)} instance(s) {ids}")
    return {"action": action, "instances": ids}
