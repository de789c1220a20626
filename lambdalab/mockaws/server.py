"""Inside a forked account process: seed the fixture, answer channels and control requests.

Every request from a sandbox is checked here, on the trusted side, whatever the sandbox's hook
did: AWS hosts only, never moto's control plane (`/moto-api`, `motoapi.amazonaws.com`), only
the services the mock offers, and always this account (the process sets `MOTO_ACCOUNT_ID`,
which moto reads before any header or key, and drops any `x-moto-account-id` header).
Requests are dispatched through moto's in-process `botocore_stubber.process_request`, the
same entry point `mock_aws` uses (measured 2–3× faster than an HTTP hop).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import traceback
from typing import Any
from urllib.parse import urlsplit

from lambdalab.mockaws.client import ChannelClosed, is_aws_host, recv_frame, send_frame

# moto service names learners may reach. Services that make outbound calls or start
# containers on a request (batch, firehose, apigateway integrations…) stay out.
ALLOWED_SERVICES = frozenset(
    {
        "s3",
        "ec2",
        "ebs",
        "dynamodb",
        "dynamodbstreams",
        "sqs",
        "sns",
        "cloudwatch",
        "events",
        "scheduler",
        "iam",
        "sts",
        "logs",
        "awslambda",
        "ssm",
        "secretsmanager",
        "kms",
        "ses",
        "sesv2",
        "stepfunctions",
        "kinesis",
        "resourcegroupstaggingapi",
        "autoscaling",
        "elb",
        "elbv2",
        "rds",
        "ecr",
        "cloudtrail",
        "xray",
        "textract",
        "rekognition",
        "comprehend",
    }
)

_lock = threading.RLock()  # moto's backends are not thread-safe
_clients: dict[tuple[str, str], Any] = {}
_mock: Any = None
_session: Any = None


def start_moto() -> None:
    global _mock
    from moto import mock_aws

    _mock = mock_aws(config={"lambda": {"use_docker": False}, "batch": {"use_docker": False}})
    _mock.start()


def client(service: str, region: str) -> Any:
    """A cached in-process boto3 client onto this process's moto state."""
    global _session
    key = (service, region)
    if key not in _clients:
        import boto3

        # One session for every client: a session caches the loaded service models (~1 s
        # for S3's), so a new region costs milliseconds instead of a reload.
        _session = _session or boto3.session.Session()
        endpoint = (
            f"https://streams.dynamodb.{region}.amazonaws.com"
            if service == "dynamodbstreams"
            else None
        )
        _clients[key] = _session.client(service, region_name=region, endpoint_url=endpoint)
    return _clients[key]


def warm_up(warm_account: str, run_account: str) -> None:
    """Load moto's models and backends once, before forking, so children start warm."""
    from lambdalab.mockaws import readout, seed

    os.environ["MOTO_ACCOUNT_ID"] = warm_account
    os.environ["LAMBDALAB_MOCK_REGION"] = "us-east-1"
    seed.fixture_seed(clients=client, fixtures=WARM_FIXTURE, region="us-east-1")
    readout.account_state(clients=client, region="us-east-1")
    # Bucket names are global in moto: give the warm-up bucket back.
    s3 = client("s3", "us-east-1")
    for obj in s3.list_objects_v2(Bucket=_WARM_BUCKET).get("Contents", []):
        s3.delete_object(Bucket=_WARM_BUCKET, Key=obj["Key"])
    s3.delete_bucket(Bucket=_WARM_BUCKET)
    # Build the default run account's (empty) backends too; they hold no named resources.
    os.environ["MOTO_ACCOUNT_ID"] = run_account
    readout.account_state(clients=client, region="us-east-1")
    del os.environ["MOTO_ACCOUNT_ID"]


_WARM_BUCKET = "lambdalab-warm-up-bucket-7f3a"
WARM_FIXTURE: dict[str, Any] = {
    "s3": {
        "buckets": [
            {
                "name": _WARM_BUCKET,
                "objects": [
                    {"key": "a.csv", "body": "id\n1\n", "content_type": "text/csv"},
                    {"key": "b.json", "json": {"a": 1}},
                    {"key": "c.bin", "base64": "AAEC"},
                ],
            }
        ]
    },
    "ec2": {
        "instances": [
            {"name": "w1", "tags": {"Environment": "dev"}},
            {"name": "w2", "state": "stopped", "launch_time": "2026-01-01T00:00:00Z"},
        ],
        "volumes": [{"name": "v1", "attached_to": "w1"}],
        "snapshots": [
            {"name": "s1", "volume": "v1", "start_time": "2026-01-01T00:00:00Z"},
            {"name": "s2", "volume": "deleted"},
        ],
    },
    "dynamodb": {
        "tables": [
            {
                "name": "Warm",
                "partition_key": {"name": "pk", "type": "S"},
                "sort_key": {"name": "sk", "type": "N"},
                "stream": "NEW_AND_OLD_IMAGES",
                "items": [{"pk": "a", "sk": 1, "v": 1.5}],
            }
        ]
    },
    "sqs": {
        "queues": [
            {"name": "warm", "messages": ["m"]},
            {"name": "warm.fifo", "messages": [{"json": {"a": 1}}]},
        ]
    },
    "sns": {"topics": [{"name": "warm", "subscriptions": [{"queue": "warm"}]}]},
    "cloudwatch": {
        "metrics": [
            {
                "namespace": "AWS/EC2",
                "name": "CPUUtilization",
                "dimensions": {"InstanceId": "w1"},
                "values": [1.0],
            }
        ],
        "alarms": [
            {
                "name": "warm",
                "namespace": "AWS/EC2",
                "metric": "CPUUtilization",
                "threshold": 80,
                "comparison": "GreaterThanThreshold",
            }
        ],
    },
    "events": {"rules": [{"name": "warm", "schedule": "rate(5 minutes)"}]},
    "iam": {"roles": [{"name": "warm"}]},
}


# -------------------------------------------------------------------------- account process


def _reseed_ids() -> None:
    from moto.moto_api._internal import mock_random

    mock_random.seed(int.from_bytes(os.urandom(8), "big"))  # forks must not share new ids


def seed_account(ctl: socket.socket) -> tuple[dict[str, Any], float] | None:
    """Read the run's parameters from `ctl` and build its fixture in this process.

    Returns (params, timings), or None after telling the caller why moto refused the fixture.
    Timings are wall and CPU milliseconds: CPU time stays meaningful on a loaded machine.
    """
    from lambdalab.mockaws import seed

    params, _ = recv_frame(ctl)
    region = params.get("region", "us-east-1")
    os.environ["MOTO_ACCOUNT_ID"] = params["account_id"]
    os.environ["LAMBDALAB_MOCK_REGION"] = region
    _reseed_ids()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with _lock:
            seed.fixture_seed(clients=client, fixtures=params.get("fixtures") or {}, region=region)
    except Exception as exc:  # moto refused part of the fixture: report it, don't hang
        send_frame(ctl, {"ok": False, "error": _describe(exc)})
        return None
    return params, {
        "seed_ms": round((time.perf_counter() - started) * 1000, 2),
        "seed_cpu_ms": round((time.process_time() - cpu) * 1000, 2),
    }


def account_main(ctl_fd: int) -> None:
    """Seed a fresh account and serve it until its control socket closes (the run is over)."""
    ctl = socket.socket(fileno=ctl_fd)
    seeded = seed_account(ctl)
    if seeded is not None:
        serve_account(
            ctl,
            region=seeded[0].get("region", "us-east-1"),
            info={**seeded[1], "cached": False},
        )


def serve_account(ctl: socket.socket, *, region: str, info: dict[str, Any]) -> None:
    """Report ready, then answer control requests and channels until `ctl` closes."""
    send_frame(ctl, {"ok": True, "pid": os.getpid(), **info})
    _control_loop(ctl, region)


def template_main(first_ctl_fd: int, requests: socket.socket) -> None:
    """Seed once, then fork a ready account per control socket received on `requests`.

    Runs of the same exercise share a fixture; forking the seeded process (~20 ms) replaces
    seeding it again (~100–300 ms). Each fork reseeds moto's id generator, so resources the
    learner creates get fresh ids while the fixture's own ids are the same in every run.
    """
    first = socket.socket(fileno=first_ctl_fd)
    seeded = seed_account(first)
    if seeded is None:
        return
    params, timings = seeded
    region = params.get("region", "us-east-1")
    _fork_served(first, region, {**timings, "cached": False}, requests)
    while True:
        try:
            _msg, fds, _f, _a = socket.recv_fds(requests, 1, 1)
        except OSError:
            return
        if not fds:
            return  # the host dropped this template (expired or evicted)
        ctl = socket.socket(fileno=fds[0])
        try:
            recv_frame(ctl)  # the caller always sends its parameters; the key matched them
        except (ChannelClosed, OSError, ValueError):
            ctl.close()
            continue
        _fork_served(ctl, region, {**timings, "cached": True}, requests)


def _fork_served(
    ctl: socket.socket, region: str, info: dict[str, Any], requests: socket.socket
) -> None:
    if os.fork() == 0:
        try:
            requests.close()  # so a dead template is seen as dead by the host
            _reseed_ids()
            serve_account(ctl, region=region, info=info)
        finally:
            os._exit(0)
    ctl.close()


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _control_loop(ctl: socket.socket, region: str) -> None:
    from lambdalab.mockaws import readout

    while True:
        try:
            req, _ = recv_frame(ctl)
        except (ChannelClosed, OSError, ValueError):
            return
        op = req.get("op")
        try:
            if op == "channel":
                _msg, fds, _f, _a = socket.recv_fds(ctl, 1, 1)
                for fd in fds:
                    threading.Thread(target=serve_channel, args=(fd,), daemon=True).start()
                send_frame(ctl, {"ok": True})
            elif op == "state":
                with _lock:
                    state = readout.account_state(clients=client, region=region)
                send_frame(ctl, {"ok": True}, json.dumps(state, default=str).encode())
            elif op == "read_object":
                with _lock:
                    reply = client("s3", region).get_object(Bucket=req["bucket"], Key=req["key"])
                    body = reply["Body"].read()
                send_frame(ctl, {"ok": True}, body)
            elif op == "close":
                send_frame(ctl, {"ok": True})
                return
            else:
                send_frame(ctl, {"ok": False, "error": f"unknown op {op!r}"})
        except Exception as exc:
            send_frame(
                ctl,
                {
                    "ok": False,
                    "error": _describe(exc),
                    "code": getattr(exc, "response", {}).get("Error", {}).get("Code"),
                },
            )


def serve_channel(fd: int) -> None:
    """Answer framed requests on one channel until the sandbox side closes it."""
    sock = socket.socket(fileno=fd)
    try:
        while True:
            header, body = recv_frame(sock)
            reply, payload = handle_request(header, body)
            send_frame(sock, reply, payload)
    except (ChannelClosed, OSError, ValueError):
        pass
    finally:
        sock.close()


# ------------------------------------------------------------------------------ dispatching


_services_by_host: dict[str, str | None] = {}


def _service_for(url: str) -> str | None:
    """The moto service a URL reaches; moto's patterns are per host, so cache by host."""
    import moto.backend_index as backend_index

    parts = urlsplit(url)
    host_key = f"{parts.scheme}://{parts.netloc}"
    if host_key in _services_by_host:
        return _services_by_host[host_key]
    clean = f"{host_key}/"
    found = next((s for s, p in backend_index.backend_url_patterns if p.match(clean)), None)
    if len(_services_by_host) < 4096:  # bounded: S3 virtual hosts add one entry per bucket
        _services_by_host[host_key] = found
    return found


def _denied(code: str, message: str, status: int = 403) -> tuple[dict[str, Any], bytes]:
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>lambdalab-mock</RequestId>"
        f"</ErrorResponse>"
    ).encode()
    return {"status": status, "headers": [["Content-Type", "text/xml"]]}, body


def check_request(url: str) -> tuple[dict[str, Any], bytes] | None:
    """The policy on what a sandbox may ask of the mock; a 4xx answer, or None if allowed."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not is_aws_host(url) or host.startswith("motoapi.") or "/moto-api" in parts.path:
        return _denied("AccessDenied", "This endpoint is not part of the mock AWS account.")
    service = _service_for(url)
    if service not in ALLOWED_SERVICES:
        # 4xx, not 5xx: botocore would retry a 5xx and spend the learner's time limit.
        return _denied(
            "UnsupportedService",
            f"The LambdaLab mock account does not offer the service at {host}.",
        )
    return None


# botocore ≥ 1.40 sends DynamoDB Streams calls to account-based hosts moto 5.2 does not route.
_STREAMS_HOST = re.compile(r"^(https?://)\d{12}\.streams-ddb\.([a-z0-9-]+)\.amazonaws\.com")


def normalise_url(url: str) -> str:
    return _STREAMS_HOST.sub(r"\1streams.dynamodb.\2.amazonaws.com", url)


def handle_request(header: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    """One sandbox request → (reply header, body), never raising."""
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.compat import HTTPHeaders
    from moto.core.models import botocore_stubber

    url = normalise_url(str(header.get("url", "")))
    if (refusal := check_request(url)) is not None:
        return refusal
    headers = HTTPHeaders()
    for key, value in header.get("headers", []):
        if str(key).lower() != "x-moto-account-id":
            headers[str(key)] = str(value)
    request = AWSPreparedRequest(str(header.get("method", "GET")), url, headers, body, False)
    try:
        with _lock:
            result = botocore_stubber.process_request(request)
    except NotImplementedError as exc:
        # 501 is not retried by botocore, so the learner sees the message at once.
        return _denied("NotImplemented", f"The mock does not implement this call: {exc}", 501)
    except Exception:
        traceback.print_exc()
        return _denied("InternalFailure", "The mock AWS account failed on this request.", 500)
    if result is None:
        return _denied("UnknownOperation", "The mock does not know this request.", 404)
    status, resp_headers, resp_body = result
    if isinstance(resp_body, str):
        resp_body = resp_body.encode("utf-8")
    pairs = [[str(k), str(v)] for k, v in dict(resp_headers or {}).items()]
    return {"status": int(status), "headers": pairs}, bytes(resp_body or b"")
