"""What the Invoke API checks before any code runs, and the records of refused requests."""

from __future__ import annotations

import json
import uuid
from typing import Any

from lambdalab.runtime import formats
from lambdalab.runtime.config import FunctionConfig
from lambdalab.runtime.invocation import Invocation


class RequestError(ValueError):
    """The Invoke API rejected the request before any code ran (HTTP 4xx)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


def encode_event(event: Any) -> bytes:
    """The request body of an Invoke call; rejects what the Invoke API rejects.

    Bytes are the payload as sent (and must parse as JSON); any other value is the event
    itself, a str included (a JSON string event), None meaning no payload ({})."""
    if isinstance(event, (bytes, bytearray)):
        body = bytes(event)
    else:
        body = json.dumps({} if event is None else event, ensure_ascii=False).encode()
    if len(body) > formats.MAX_REQUEST_BYTES:
        raise RequestError(
            "RequestEntityTooLargeException",
            f"{len(body)} byte payload is too large for the RequestResponse "
            f"invocation type ({formats.MAX_REQUEST_BYTES} bytes)",
            413,
        )
    try:
        json.loads(body)
    except ValueError as exc:
        raise RequestError(
            "InvalidRequestContentException", f"Could not parse request body into json: {exc}", 400
        ) from exc
    return body


def throttled_invocation(config: FunctionConfig) -> Invocation:
    return Invocation(
        request_id=str(uuid.uuid4()),
        status="throttled",
        payload_bytes=formats.throttle_document(),
        function_error=None,
        logs="",
        duration_ms=0.0,
        billed_duration_ms=0,
        init_duration_ms=None,
        max_memory_used_mb=0,
        memory_size_mb=config.memory_size,
        cold_start=False,
        log_stream_name=None,
        architecture=config.architecture,
        error_type="TooManyRequestsException",
    )


def check_aws(aws: Any) -> None:
    if aws is None:
        return
    import importlib.util

    if importlib.util.find_spec("lambdalab.mockaws.client") is None:
        raise RuntimeError(
            "aws= was given but lambdalab.mockaws.client is not installed, so "
            "the sandbox cannot reach a mock AWS account"
        )
    if not callable(getattr(aws, "connect", None)):
        raise TypeError("aws must have a connect() -> socket.socket method")
