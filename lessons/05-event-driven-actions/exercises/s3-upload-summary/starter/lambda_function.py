import csv
import io
import json
import os

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        print(f"new object s3://{bucket}/{key}")
        # TODO: read the CSV, summarise it, write the summary to REPORT_BUCKET.
    return {}
