"""The moto side: warm-up (in the host), and the account processes forked from it.

An account process seeds its fixture (or is forked from a template that did), then serves
control requests from its `MockAccount` and one thread per sandbox channel until the control
socket closes; the policy for what a channel may ask is in `gateway.py`.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from typing import Any

from lambdalab.mockaws import gateway
from lambdalab.mockaws.client import ChannelClosed, FrameReader, recv_frame, send_frame

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
        with gateway.lock:
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
        serve_account(ctl, params=seeded[0], info={**seeded[1], "cached": False})


def serve_account(ctl: socket.socket, *, params: dict[str, Any], info: dict[str, Any]) -> None:
    """Report ready, then answer control requests and channels until `ctl` closes."""
    if params.get("max_upload_bytes"):
        gateway.MAX_ACCOUNT_UPLOAD_BYTES = int(params["max_upload_bytes"])
    send_frame(ctl, {"ok": True, "pid": os.getpid(), **info})
    _control_loop(ctl, params.get("region", "us-east-1"))


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
    _fork_served(first, params, {**timings, "cached": False}, requests)
    while True:
        try:
            _msg, fds, _f, _a = socket.recv_fds(requests, 1, 1)
        except OSError:
            return
        if not fds:
            return  # the host dropped this template (expired or evicted)
        ctl = socket.socket(fileno=fds[0])
        try:
            # Same fixture, account and region (the key matched); limits are per run.
            run_params, _ = recv_frame(ctl)
        except (ChannelClosed, OSError, ValueError):
            ctl.close()
            continue
        _fork_served(ctl, {**params, **run_params}, {**timings, "cached": True}, requests)


def _fork_served(
    ctl: socket.socket, params: dict[str, Any], info: dict[str, Any], requests: socket.socket
) -> None:
    if os.fork() == 0:
        try:
            requests.close()  # so a dead template is seen as dead by the host
            _reseed_ids()
            serve_account(ctl, params=params, info=info)
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
                with gateway.lock:
                    state = readout.account_state(clients=client, region=region)
                send_frame(ctl, {"ok": True}, json.dumps(state, default=str).encode())
            elif op == "read_object":
                with gateway.lock:
                    reply = client("s3", region).get_object(Bucket=req["bucket"], Key=req["key"])
                    body = reply["Body"].read()
                send_frame(ctl, {"ok": True}, body)
            elif op == "usage":
                usage = {
                    "cpu_ms": round(time.process_time() * 1000, 2),
                    "uploaded_bytes": gateway.uploaded_bytes(),
                }
                send_frame(ctl, {"ok": True}, json.dumps(usage).encode())
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
    reader = FrameReader(sock)
    try:
        while True:
            header, body = recv_frame(reader)
            reply, payload = gateway.handle_request(header, body)
            send_frame(sock, reply, payload)
    except (ChannelClosed, OSError, ValueError):
        pass
    finally:
        sock.close()
