import csv
import io
import json
import os
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
REPORT_BUCKET = os.environ["REPORT_BUCKET"]


def summarise(key, text):
    by_restaurant = {}
    orders = 0
    for row in csv.DictReader(io.StringIO(text)):
        orders += 1
        amount = float(row["amount"])
        by_restaurant[row["restaurant"]] = by_restaurant.get(row["restaurant"], 0) + amount
    return {
        "source": key,
        "orders": orders,
        "total": round(sum(by_restaurant.values()), 2),
        "by_restaurant": {name: round(total, 2) for name, total in by_restaurant.items()},
    }


def report_key(key):
    name = key.rsplit("/", 1)[-1]
    return f"summaries/{name.removesuffix('.csv')}.json"


def lambda_handler(event, context):
    summary = {}
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        # Keys arrive URL-encoded: "daily/2026-12-02+orders.csv".
        key = unquote_plus(record["s3"]["object"]["key"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        summary = summarise(key, text)
        s3.put_object(
            Bucket=bucket,
            Key=report_key(key),
            Body=json.dumps(summary),
            ContentType="application/json",
        )
        print(f"summarised {key}: {summary['orders']} orders, {summary['total']:.2f} total")
    return summary
