import csv
import os

import boto3

s3 = boto3.client("s3")
LOCAL_COPY = "zones.csv"


def zones():
    if not os.path.exists(LOCAL_COPY):
        s3.download_file(os.environ["CONFIG_BUCKET"], os.environ["ZONES_KEY"], LOCAL_COPY)
        print("downloaded zones.csv")
    with open(LOCAL_COPY, newline="") as f:
        return {row["prefix"]: row for row in csv.DictReader(f)}


def lambda_handler(event, context):
    postcode = event["postcode"]
    row = zones().get(postcode[:2])
    if row is None:
        return {"postcode": postcode, "zone": None, "fee": None}
    return {"postcode": postcode, "zone": row["zone"], "fee": float(row["fee"])}
