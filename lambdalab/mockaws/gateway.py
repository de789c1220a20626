"""The policy and dispatch for sandbox requests, inside an account process (trusted side).

Every request from a sandbox is checked here, whatever the sandbox's hook did: AWS hosts only,
never moto's control plane (`/moto-api`, `motoapi.amazonaws.com`), only the services the mock
offers, a bounded amount of uploaded data, and always this account (the process sets
`MOTO_ACCOUNT_ID`, which moto reads before any header or key, and any `x-moto-account-id`
header is dropped). Requests go through moto's in-process `botocore_stubber.process_request`,
the entry point `mock_aws` uses (measured 2–3× faster than an HTTP hop).
"""

from __future__ import annotations

import re
import threading
import traceback
from typing import Any
from urllib.parse import urlsplit

from lambdalab.mockaws.client import is_aws_host

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

lock = threading.RLock()  # moto's backends are not thread-safe


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


# Everything a learner uploads stays in this process's memory until the run ends.
MAX_ACCOUNT_UPLOAD_BYTES = 512 << 20
_uploaded = 0


def uploaded_bytes() -> int:
    return _uploaded


def handle_request(header: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    """One sandbox request → (reply header, body), never raising."""
    global _uploaded
    try:
        url = normalise_url(str(header.get("url", "")))
        method = str(header.get("method", "GET")).upper()
        pairs = [(str(k), str(v)) for k, v in header.get("headers", [])]
    except (TypeError, ValueError):
        return _denied("MalformedRequest", "The request could not be read.", 400)
    if (refusal := check_request(url)) is not None:
        return refusal
    _uploaded += len(body)
    if _uploaded > MAX_ACCOUNT_UPLOAD_BYTES:
        return _denied("QuotaExceeded", "This mock account has stored all it can for one run.", 400)
    return _dispatch(method, url, pairs, body)


def _dispatch(
    method: str, url: str, pairs: list[tuple[str, str]], body: bytes
) -> tuple[dict[str, Any], bytes]:
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.compat import HTTPHeaders
    from moto.core.models import botocore_stubber

    headers = HTTPHeaders()
    for key, value in pairs:
        if key.lower() != "x-moto-account-id":
            headers[key] = value
    request = AWSPreparedRequest(method, url, headers, body, False)
    try:
        with lock:
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
    reply = [[str(k), str(v)] for k, v in dict(resp_headers or {}).items()]
    return {"status": int(status), "headers": reply}, bytes(resp_body or b"")
