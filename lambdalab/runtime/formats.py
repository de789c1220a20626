"""Byte-exact Lambda platform log lines, platform error documents, billing and cost.

Everything here is host-side and pure: the sandbox only reports facts (result bytes, exit
status); the wording learners see is built here from the fact sheet.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import signal

RUNTIME_VERSIONS = {
    "python3.12": (
        "python:3.12.v41",
        "arn:aws:lambda:{region}::runtime:"
        "8a3c0f5e1b2d4c6a9e7f8b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
    ),
    "python3.13": (
        "python:3.13.v10",
        "arn:aws:lambda:{region}::runtime:"
        "4d1e6b2a7c9f0e3d5b8a1c4f7e0d3b6a9c2f5e8d1b4a7c0f3e6d9b2a5c8f1e4d",
    ),
}
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
MAX_REQUEST_BYTES = 6 * 1024 * 1024
REQUEST_PRICE_USD = 0.20 / 1_000_000
GB_SECOND_PRICE_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}

_SIGNAL_WORDS = {  # Go's os.ProcessState wording, which the Lambda platform prints
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGSYS: "bad system call",
    signal.SIGBUS: "bus error",
    signal.SIGTERM: "terminated",
    signal.SIGFPE: "floating point exception",
    signal.SIGILL: "illegal instruction",
    signal.SIGXCPU: "CPU time limit exceeded",
    signal.SIGXFSZ: "file size limit exceeded",
}


def init_start_line(runtime: str, region: str) -> str:
    version, arn = RUNTIME_VERSIONS[runtime]
    return (
        f"INIT_START Runtime Version: {version}\tRuntime Version ARN: {arn.format(region=region)}\n"
    )


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def report_line(
    *,
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_size: int,
    max_memory_mb: int,
    init_ms: float | None,
    status: str,
    error_type: str | None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms} ms",
        f"Memory Size: {memory_size} MB",
        f"Max Memory Used: {max_memory_mb} MB",
    ]
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    if status != "success":
        parts.append(f"Status: {status}")
        if error_type:
            parts.append(f"Error Type: {error_type}")
    return "\t".join(parts) + "\t\n"


def init_report_line(*, init_ms: float, phase: str, status: str, error_type: str | None) -> str:
    line = f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: {phase}\tStatus: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    return line + "\n"


def iso_timestamp(when: float) -> str:
    stamp = dt.datetime.fromtimestamp(when, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def timeout_log_line(*, when: float, request_id: str, elapsed_s: float) -> str:
    return f"{iso_timestamp(when)} {request_id} Task timed out after {elapsed_s:.2f} seconds\n"


def timeout_document(*, request_id: str, timeout_s: int) -> bytes:
    return _compact(
        {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
            f"{timeout_s:.2f} seconds",
        }
    )


def exit_reason(status: int) -> str:
    """Describe a wait status the way the platform does ("signal: killed", "exit status 1")."""
    if status < 0:
        sig = -status
        try:
            word = _SIGNAL_WORDS.get(signal.Signals(sig), f"signal {sig}")
        except ValueError:
            word = f"signal {sig}"
        return f"Runtime exited with error: signal: {word}"
    if status == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {status}"


def exit_error_document(*, request_id: str, status: int) -> bytes:
    return _compact(
        {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: {exit_reason(status)}",
        }
    )


def exit_log_lines(*, request_id: str, status: int) -> str:
    return f"RequestId: {request_id} Error: {exit_reason(status)}\nRuntime.ExitError\n"


def response_too_large_document() -> bytes:
    return _compact(
        {
            "errorMessage": "Response payload size exceeded maximum allowed payload "
            f"size ({MAX_RESPONSE_BYTES + 100} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    )


def throttle_document() -> bytes:
    return json.dumps(
        {
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
            "Type": "User",
            "message": "Rate Exceeded.",
        }
    ).encode()


def _compact(doc: dict[str, str]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def billed_duration_ms(duration_ms: float, init_ms: float | None) -> int:
    """ceil to 1 ms; since 2025-08-01 a cold on-demand ZIP invoke also bills INIT."""
    return max(1, math.ceil(duration_ms + (init_ms or 0.0) - 1e-9))


def cost_usd(*, billed_ms: int, memory_size: int, architecture: str) -> float:
    gb_seconds = (memory_size / 1024) * (billed_ms / 1000)
    return REQUEST_PRICE_USD + gb_seconds * GB_SECOND_PRICE_USD[architecture]


def log_stream_name(*, created: float, version: str, token: str) -> str:
    day = dt.datetime.fromtimestamp(created, tz=dt.UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{token}"
