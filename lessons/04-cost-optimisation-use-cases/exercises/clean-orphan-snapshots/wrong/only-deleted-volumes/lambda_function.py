import boto3
from botocore.exceptions import ClientError

ec2 = boto3.client("ec2")


def volume_states():
    """{volume id: state} for every volume in the account, in one paginated sweep."""
    states = {}
    for page in ec2.get_paginator("describe_volumes").paginate():
        states.update({v["VolumeId"]: v["State"] for v in page["Volumes"]})
    return states


def is_orphaned(snapshot, states):
    # Missing volume: deleted. "available": exists but attached to nothing.
    return states.get(snapshot["VolumeId"], "deleted") == "deleted"


def lambda_handler(event, context):
    states = volume_states()
    deleted = []
    for page in ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"]):
        for snapshot in page["Snapshots"]:
            tags = {t["Key"]: t["Value"] for t in snapshot.get("Tags", [])}
            if tags.get("Keep") == "true" or not is_orphaned(snapshot, states):
                continue
            try:
                ec2.delete_snapshot(SnapshotId=snapshot["SnapshotId"])
            except ClientError as error:
                # A snapshot that backs an AMI cannot be deleted; leave it and carry on.
                if error.response["Error"]["Code"] != "InvalidSnapshot.InUse":
                    raise
                print(f"skipped {snapshot['SnapshotId']}: in use by an AMI")
                continue
            print(f"deleted {snapshot['SnapshotId']} ({snapshot.get('Description', '')})")
            deleted.append(snapshot["SnapshotId"])
    return {"deleted": deleted}
