"""An Invoke response (LogType=Tail) as the same record a local run produces.

The log tail is the base64 of the last 4 KB of the invocation's log; its REPORT line carries the
numbers learners compare with the local sandbox. Plain Python: no Django, no boto3.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from lambdalab.runtime import formats

_REPORT = re.compile(
    r"^REPORT RequestId: (?P<request_id>[0-9a-fA-F-]+)\t(?P<fields>.*)$", re.MULTILINE
)
_FIELD = re.compile(r"(?P<name>[A-Za-z ]+): (?P<value>[^\t]+)")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?) (ms|MB)$")
_FIELD_KEYS = {
    "Duration": "duration_ms",
    "Billed Duration": "billed_duration_ms",
    "Memory Size": "memory_size_mb",
    "Max Memory Used": "max_memory_used_mb",
    "Init Duration": "init_duration_ms",
    "Status": "status",
    "Error Type": "error_type",
}
_INTEGERS = {"billed_duration_ms", "memory_size_mb", "max_memory_used_mb"}


def decode_tail(log_result: str | None) -> str:
    """The log text of `LogResult` ('' when absent or not base64, e.g. a truncated header)."""
    if not log_result:
        return ""
    try:
        return base64.b64decode(log_result, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def parse_report(logs: str) -> dict[str, Any] | None:
    """The last REPORT line's fields, or None when the tail has none (cut off, or no logs)."""
    matches = list(_REPORT.finditer(logs))
    if not matches:
        return None
    match = matches[-1]
    report: dict[str, Any] = {"request_id": match.group("request_id")}
    for field in _FIELD.finditer(match.group("fields")):
        key = _FIELD_KEYS.get(field.group("name").strip())
        if key:
            report[key] = _value(key, field.group("value").strip())
    return report


def _value(key: str, raw: str) -> Any:
    number = _NUMBER.match(raw)
    if not number:
        return raw
    return int(float(number.group(1))) if key in _INTEGERS else float(number.group(1))


def record_from_invoke(
    *,
    payload: bytes,
    function_error: str | None,
    log_result: str | None,
    request_id: str,
    memory_size_mb: int,
    architecture: str = "x86_64",
) -> dict[str, Any]:
    """The record of one cloud invocation, with exactly the keys of a local run's record."""
    logs = decode_tail(log_result)
    report = parse_report(logs) or {}
    billed = report.get("billed_duration_ms")
    memory = report.get("memory_size_mb", memory_size_mb)
    init = report.get("init_duration_ms")
    return {
        "request_id": report.get("request_id") or request_id,
        "status": _status(payload, function_error, report),
        "payload": _payload(payload),
        "function_error": function_error,
        "logs": logs,
        "duration_ms": report.get("duration_ms"),
        "billed_duration_ms": billed,
        "init_duration_ms": init,
        "max_memory_used_mb": report.get("max_memory_used_mb"),
        "memory_size_mb": memory,
        "cold_start": (init is not None) if report else None,
        "log_stream_name": None,  # Invoke does not say; CloudWatch Logs would
        "cost_usd": None
        if billed is None
        else formats.cost_usd(billed_ms=billed, memory_size=memory, architecture=architecture),
    }


def _payload(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def _status(payload: bytes, function_error: str | None, report: dict[str, Any]) -> str:
    if report.get("status") == "timeout" or b'"Sandbox.Timedout"' in payload[:200]:
        return "timeout"
    return "error" if function_error or report.get("status") == "error" else "success"
