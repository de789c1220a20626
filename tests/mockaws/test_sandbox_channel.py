"""Learner code is plain boto3 in a process with no network; the trusted-side mock answers."""

from __future__ import annotations

import pytest

from lambdalab.mockaws import MockAccount
from tests.mockaws.data import typical_fixture
from tests.mockaws.sandbox import run_in_sandbox

STOP_DEV_INSTANCES = """
import boto3
ec2 = boto3.client("ec2")
pages = ec2.get_paginator("describe_instances").paginate(
    Filters=[{"Name": "tag:Environment", "Values": ["dev"]},
             {"Name": "instance-state-name", "Values": ["running"]}])
ids = [i["InstanceId"] for page in pages for r in page["Reservations"] for i in r["Instances"]]
ec2.stop_instances(InstanceIds=ids)
ec2.get_waiter("instance_stopped").wait(InstanceIds=ids)
return sorted(ids)
"""


@pytest.fixture(scope="module")
def account():
    with MockAccount.start(fixtures=typical_fixture()) as acct:
        yield acct


def test_cost_saver_stops_exactly_the_dev_instances_as_the_grader_sees_them(account):
    result = run_in_sandbox(STOP_DEV_INSTANCES, account=account)
    assert result["ok"], result
    instances = account.state()["ec2"]["instances"]
    stopped = sorted(i["id"] for i in instances.values() if i["state"] == "stopped")
    assert stopped == result["value"]
    assert {name for name, i in instances.items() if i["state"] == "stopped"} == {
        "web-dev-0",
        "web-dev-2",
        "web-dev-4",
        "web-dev-6",
        "web-dev-8",
    }
    assert all(i["state"] == "running" for n, i in instances.items() if "prod" in n)


def test_s3_resource_transfer_and_paginators_work_unmodified(account):
    result = run_in_sandbox(
        """
        import boto3, os
        s3 = boto3.resource("s3")
        bucket = s3.Bucket("uploads")
        keys = sorted(o.key for o in bucket.objects.filter(Prefix="reports/"))
        with open("/tmp/big.bin", "wb") as fh:
            fh.write(os.urandom(9 * 1024 * 1024))
        bucket.upload_file("/tmp/big.bin", "big/file.bin")      # multipart, s3transfer threads
        bucket.download_file("big/file.bin", "/tmp/back.bin")
        same = open("/tmp/big.bin", "rb").read() == open("/tmp/back.bin", "rb").read()
        client = boto3.client("s3")
        pages = [len(p.get("Contents", [])) for p in client.get_paginator("list_objects_v2")
                 .paginate(Bucket="uploads", Prefix="reports/", PaginationConfig={"PageSize": 4})]
        body = client.get_object(Bucket="uploads", Key="reports/r01.csv")["Body"].read().decode()
        return {"keys": keys, "same": same, "pages": pages, "body": body}
    """,
        account=account,
    )
    assert result["ok"], result
    value = result["value"]
    assert value["keys"] == [f"reports/r{i:02}.csv" for i in range(10)]
    assert value["same"] is True
    assert value["pages"] == [4, 4, 2]
    assert value["body"] == "id,amount\n1,1.5\n"
    assert account.state()["s3"]["uploads"]["big/file.bin"]["size"] == 9 * 1024 * 1024


def test_dynamodb_table_resource_writes_land_in_the_account(account):
    result = run_in_sandbox(
        """
        import boto3
        from decimal import Decimal
        table = boto3.resource("dynamodb").Table("Payments")
        table.put_item(Item={"order_id": "o-new", "created_at": "2026-12-01T00:00:00Z",
                             "amount": Decimal("99.5")})
        key = {"order_id": "o-1", "created_at": "2026-11-01T12:01:00Z"}
        return table.get_item(Key=key)["Item"]["amount"]
    """,
        account=account,
    )
    assert result == {**result, "ok": True, "value": "13.5"}
    items = account.state()["dynamodb"]["Payments"]["items"]
    assert {"order_id": "o-new", "created_at": "2026-12-01T00:00:00Z", "amount": 99.5} in items


def test_learner_sees_the_run_account_even_when_asking_for_another():
    with MockAccount.start(account_id="210987654321") as acct:
        result = run_in_sandbox(
            """
            import boto3
            sts = boto3.client("sts")
            def force(request, **kw):
                request.headers["x-moto-account-id"] = "999999999999"
            sts.meta.events.register("before-sign", force)
            return sts.get_caller_identity()["Account"]
        """,
            account=acct,
        )
    assert result["ok"] and result["value"] == "210987654321"


def test_learner_cannot_reset_or_reconfigure_the_mock(account):
    # The learner can reach the channel object itself and hand-craft any request on it.
    result = run_in_sandbox(
        """
        from botocore.awsrequest import AWSRequest
        from lambdalab.mockaws import client
        statuses = []
        for method, url in (("POST", "https://motoapi.amazonaws.com/moto-api/reset"),
                            ("POST", "https://s3.amazonaws.com/moto-api/reset"),
                            ("POST", "https://s3.amazonaws.com/moto-api/config"),
                            ("GET", "https://evil.example.com/")):
            response = client._channel.send_request(AWSRequest(method=method, url=url).prepare())
            statuses.append([response.status_code, response.content.decode()[:200]])
        return statuses
    """,
        account=account,
    )
    assert result["ok"], result
    assert [s for s, _ in result["value"]] == [403, 403, 403, 403]
    assert all("AccessDenied" in body for _, body in result["value"])
    assert "uploads" in account.state()["s3"]


@pytest.mark.parametrize(
    "code, expected",
    [
        (
            "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=5)",
            "URLError",
        ),
        ("import socket\nsocket.create_connection(('127.0.0.1', 6379), timeout=5)", "OSError"),
        (
            "import urllib.request\nurllib.request.urlopen('https://sts.amazonaws.com', timeout=5)",
            "URLError",
        ),
        (
            "import boto3\nboto3.client('s3', endpoint_url='https://evil.example.com').list_buckets()",
            "EndpointConnectionError",
        ),
        (
            "import boto3\nboto3.client('s3', endpoint_url='http://localhost:4566').list_buckets()",
            "EndpointConnectionError",
        ),
    ],
)
def test_reaching_outside_the_mock_fails_quickly_like_a_blocked_network(account, code, expected):
    result = run_in_sandbox(code, account=account)
    assert result["ok"] is False and result["type"] == expected
    assert result["retry_sleeps"] == 0, "blocked calls must not spend the learner's time"


def test_boto3_without_a_channel_fails_at_once_instead_of_hanging():
    result = run_in_sandbox("import boto3\nreturn boto3.client('ec2').describe_instances()")
    assert result["ok"] is False and result["type"] == "EndpointConnectionError"
    assert result["retry_sleeps"] == 0


def test_services_the_mock_does_not_offer_are_refused_without_retries(account):
    result = run_in_sandbox(
        "import boto3\nreturn boto3.client('batch').describe_job_queues()", account=account
    )
    assert result["ok"] is False and "UnsupportedService" in result["error"]
    assert result["retry_sleeps"] == 0


def test_moto_cannot_be_made_to_call_the_host_network_for_the_learner(account):
    # SNS delivers to http subscribers from inside moto (SSRF if moto could reach the host).
    import socket as _socket

    listener = _socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    result = run_in_sandbox(
        f"""
        import boto3
        sns = boto3.client("sns")
        arn = sns.create_topic(Name="ssrf")["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:{port}/")
        sns.publish(TopicArn=arn, Message="hello")
        return "published"
    """,
        account=account,
    )
    try:
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert result["ok"] or "Error" in result.get("type", "")


def test_the_sandbox_side_imports_nothing_but_the_stdlib_and_botocore():
    import subprocess
    import sys

    from tests.mockaws.sandbox import ROOT

    probe = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from lambdalab.mockaws import client\n"
        "client.preload()\n"
        "heavy = {'moto', 'django', 'yaml', 'jsonschema', 'boto3', 'lambdalab.mockaws.account'}\n"
        "print(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_run_cannot_fill_the_hosts_memory_through_uploads():
    with MockAccount.start(
        fixtures={"s3": {"buckets": [{"name": "big"}]}}, max_upload_bytes=3 << 20
    ) as acct:
        result = run_in_sandbox(
            """
            import boto3
            s3 = boto3.client("s3")
            stored = 0
            try:
                for i in range(10):
                    s3.put_object(Bucket="big", Key=f"chunk-{i}", Body=b"x" * (1 << 20))
                    stored += 1
            except Exception as exc:
                return [stored, str(exc)]
            return [stored, None]
        """,
            account=acct,
        )
        state = acct.state()
    stored, error = result["value"]
    assert stored == 2 and "QuotaExceeded" in error
    assert len(state["s3"]["big"]) == 2


def test_malformed_frames_are_refused_not_crashing_the_account(account):
    result = run_in_sandbox(
        """
        from lambdalab.mockaws import client
        replies = []
        for header in ({"url": "https://s3.amazonaws.com/", "headers": 7},
                       {"url": ["x"], "method": "GET"}):
            replies.append(client._channel.roundtrip(header, b"")[0]["status"])
        import boto3
        replies.append(len(boto3.client("s3").list_buckets()["Buckets"]))
        return replies
    """,
        account=account,
    )
    assert result["ok"], result
    assert result["value"][:2] == [400, 403] and result["value"][2] >= 3


def test_an_oversized_body_is_refused_and_the_channel_keeps_working(account):
    result = run_in_sandbox(
        """
        import boto3
        from lambdalab.mockaws import client
        client.MAX_BODY_BYTES = 1000  # stands in for the real 64 MiB cap
        s3 = boto3.client("s3")
        try:
            s3.put_object(Bucket="uploads", Key="huge", Body=b"x" * 2000)
            refused = None
        except Exception as exc:
            refused = exc.response["Error"]["Code"]
        s3.put_object(Bucket="uploads", Key="small", Body=b"x" * 10)
        return refused
    """,
        account=account,
    )
    assert result == {**result, "ok": True, "value": "EntityTooLarge", "retry_sleeps": 0}
    uploads = account.state()["s3"]["uploads"]
    assert "small" in uploads and "huge" not in uploads
