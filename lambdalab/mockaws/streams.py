"""DynamoDB stream records as Lambda receives them, read from real writes in a mock account."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any


def _typed_json(value: Any) -> Any:
    # boto3 returns B/BS as bytes; Lambda events carry them base64-encoded.
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _typed_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed_json(v) for v in value]
    return value


def dynamodb_stream_record(record: dict[str, Any], *, stream_arn: str) -> dict[str, Any]:
    """A record from dynamodbstreams.get_records → the Lambda event record shape."""
    ddb = dict(record["dynamodb"])
    created = ddb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        ddb["ApproximateCreationDateTime"] = int(created.timestamp())
    view = ddb.get("StreamViewType", "NEW_AND_OLD_IMAGES")
    if view in ("KEYS_ONLY", "OLD_IMAGE"):
        ddb.pop("NewImage", None)
    if view in ("KEYS_ONLY", "NEW_IMAGE"):
        ddb.pop("OldImage", None)
    ordered = {
        k: _typed_json(ddb[k])
        for k in (
            "ApproximateCreationDateTime",
            "Keys",
            "NewImage",
            "OldImage",
            "SequenceNumber",
            "SizeBytes",
            "StreamViewType",
        )
        if k in ddb
    }
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record["awsRegion"],
        "dynamodb": ordered,
        "eventSourceARN": stream_arn,
    }


class StreamReader:
    """Follows one table's stream in a mock account, returning new records as Lambda sees them."""

    def __init__(self, account: Any, table: str) -> None:
        self.ddb = account.boto3_client("dynamodb")
        self.streams = account.boto3_client("dynamodbstreams")
        self.stream_arn = self.ddb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
        if not self.stream_arn:
            raise ValueError(f"table {table!r} has no stream; set `stream:` in the fixture")
        self._iterators: dict[str, str] = {}

    def _shard_iterators(self) -> dict[str, str]:
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in shards["Shards"]:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType="TRIM_HORIZON",
                )["ShardIterator"]
        return self._iterators

    def read(self) -> list[dict[str, Any]]:
        """New records since the last read, oldest first."""
        out = []
        for shard, iterator in list(self._shard_iterators().items()):
            reply = self.streams.get_records(ShardIterator=iterator)
            self._iterators[shard] = reply.get("NextShardIterator") or iterator
            out += [dynamodb_stream_record(r, stream_arn=self.stream_arn) for r in reply["Records"]]
        return out


def dynamodb_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}
