import boto3

ec2 = boto3.client("ec2")


def lambda_handler(event, context):
    snapshots = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    print(f"found {len(snapshots)} snapshots")
    # TODO: find the orphaned ones (volume gone or not attached), skip Keep=true,
    # delete the rest with ec2.delete_snapshot(SnapshotId=...).
    return {"deleted": []}
