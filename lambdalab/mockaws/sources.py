"""What polled event sources find in a mock account: queue batches done, objects handlers made.

Helpers for `triggers.Triggers`; each reads or changes the account through its ordinary API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from lambdalab.mockaws import events


def delete_batch(account: Any, queue: str, event: dict[str, Any]) -> None:
    """Delete a successfully processed SQS batch, as the event source mapping does."""
    sqs = account.boto3_client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    entries = [
        {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(event["Records"])
    ]
    sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def s3_listing(account: Any, bucket: str) -> dict[str, str]:
    """{key: etag} of every object in the bucket."""
    s3 = account.boto3_client("s3")
    listing: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        listing |= {o["Key"]: o["ETag"].strip('"') for o in page.get("Contents", [])}
    return listing


def s3_new_objects(
    account: Any, bucket: str, before: dict[str, str], now: dict[str, str], at: datetime
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(key, ObjectCreated:Put event) for objects created or overwritten between listings."""
    s3 = account.boto3_client("s3")
    for key, etag in now.items():
        if before.get(key) != etag:
            size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
            yield (
                key,
                events.s3_event(
                    bucket=bucket, key=key, size=size, etag=etag, at=at, region=account.region
                ),
            )
