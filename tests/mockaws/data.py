"""The "typical" exercise fixture the speed budget is stated for, shared by tests and bench."""

from __future__ import annotations


def typical_fixture() -> dict:
    """3 buckets, 20 objects, 10 instances (half tagged dev), 1 table with 50 items."""
    objects = [
        {
            "key": f"reports/r{i:02}.csv",
            "body": f"id,amount\n{i},{i * 1.5}\n",
            "content_type": "text/csv",
        }
        for i in range(14)
    ]
    objects += [
        {"key": f"data/order-{i}.json", "json": {"order_id": f"o-{i}", "total": 12.5}}
        for i in range(4)
    ]
    objects += [{"key": "bin/blob.bin", "base64": "AAECAwQ="}, {"key": "my file.txt", "body": "x"}]
    return {
        "s3": {
            "buckets": [
                {"name": "uploads", "objects": objects[:10]},
                {"name": "reports", "objects": objects[10:]},
                {"name": "archive", "region": "eu-west-1"},
            ]
        },
        "ec2": {
            "instances": [
                {
                    "name": f"web-{'dev' if i % 2 == 0 else 'prod'}-{i}",
                    "type": "t3.micro",
                    "state": "running",
                    "launch_time": "2026-11-01T08:00:00Z",
                    "tags": {"Environment": "dev" if i % 2 == 0 else "prod"},
                }
                for i in range(10)
            ],
            "volumes": [
                {"name": "data-1", "size": 8, "attached_to": "web-dev-0"},
                {"name": "scratch", "size": 20},
            ],
            "snapshots": [
                {
                    "name": "snap-old",
                    "volume": "data-1",
                    "description": "nightly",
                    "start_time": "2026-01-01T00:00:00Z",
                },
                {"name": "snap-orphan", "volume": "deleted"},
            ],
        },
        "dynamodb": {
            "tables": [
                {
                    "name": "Payments",
                    "partition_key": {"name": "order_id", "type": "S"},
                    "sort_key": {"name": "created_at", "type": "S"},
                    "stream": "NEW_AND_OLD_IMAGES",
                    "items": [
                        {
                            "order_id": f"o-{i}",
                            "created_at": f"2026-11-01T12:{i:02}:00Z",
                            "amount": 12.5 + i,
                            "paid": i % 3 == 0,
                        }
                        for i in range(50)
                    ],
                }
            ]
        },
    }
