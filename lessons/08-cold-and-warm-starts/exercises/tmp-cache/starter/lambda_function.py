import csv
import os

import boto3

s3 = boto3.client("s3")
LOCAL_COPY = "/tmp/zones.csv"


def lambda_handler(event, context):
    # TODO: download only when the local copy is missing.
    s3.download_file(os.environ["CONFIG_BUCKET"], os.environ["ZONES_KEY"], LOCAL_COPY)
    print("downloaded zones.csv")
    # TODO: look up the zone for event["postcode"].
    return {"postcode": event["postcode"], "zone": None, "fee": None}
