"""Log tails as AWS sends them (base64 of the last 4 KB), read into the local record's shape.

The tails are real-shaped: formats from lambda-runtime-facts §3 (recorded against AWS).
"""

from __future__ import annotations

import base64
import json

from lambdalab.cloud.logs import decode_tail, parse_report, record_from_invoke

REQUEST = "8f507cfc-7b61-4697-b07a-ac58fc914c95"
COLD_TAIL = (
    "INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: "
    "arn:aws:lambda:us-east-1::runtime:" + "a" * 64 + "\n"
    f"START RequestId: {REQUEST} Version: 3\n"
    f"[INFO]\t2026-01-15T10:30:00.123Z\t{REQUEST}\tProcessing order 42\n"
    f"END RequestId: {REQUEST}\n"
    f"REPORT RequestId: {REQUEST}\tDuration: 3.01 ms\tBilled Duration: 114 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n"
)
WARM_TAIL = (
    f"START RequestId: {REQUEST} Version: $LATEST\n"
    f"END RequestId: {REQUEST}\n"
    f"REPORT RequestId: {REQUEST}\tDuration: 2.90 ms\tBilled Duration: 3 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 37 MB\t\n"
)
TIMEOUT_TAIL = (
    f"START RequestId: {REQUEST} Version: 1\n"
    f"2026-01-15T10:30:03.010Z {REQUEST} Task timed out after 3.01 seconds\n\n"
    f"END RequestId: {REQUEST}\n"
    f"REPORT RequestId: {REQUEST}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout\n"
)
OOM_TAIL = (
    f"REPORT RequestId: {REQUEST}\tDuration: 512.33 ms\tBilled Duration: 513 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\t"
    "Error Type: Runtime.OutOfMemory\n"
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_cold_report_line_gives_every_figure_including_init():
    assert parse_report(COLD_TAIL) == {
        "request_id": REQUEST,
        "duration_ms": 3.01,
        "billed_duration_ms": 114,
        "memory_size_mb": 128,
        "max_memory_used_mb": 36,
        "init_duration_ms": 110.10,
    }


def test_a_warm_invoke_has_no_init_duration_and_counts_as_warm():
    record = record_from_invoke(
        payload=b'{"ok": true}',
        function_error=None,
        log_result=b64(WARM_TAIL),
        request_id="header-id",
        memory_size_mb=999,
    )

    assert record["init_duration_ms"] is None and record["cold_start"] is False
    assert record["memory_size_mb"] == 256  # the REPORT line wins over the configuration
    assert record["request_id"] == REQUEST
    assert record["cost_usd"] == 0.2 / 1_000_000 + (256 / 1024) * 0.003 * 0.0000166667


def test_a_cold_invoke_is_recorded_as_cold_with_its_logs():
    record = record_from_invoke(
        payload=b'{"statusCode": 200}',
        function_error=None,
        log_result=b64(COLD_TAIL),
        request_id="",
        memory_size_mb=128,
    )

    assert record["cold_start"] is True and record["init_duration_ms"] == 110.10
    assert record["billed_duration_ms"] == 114 and record["status"] == "success"
    assert "Processing order 42" in record["logs"]
    assert record["payload"] == {"statusCode": 200}


def test_a_timeout_is_a_result_not_a_crash():
    payload = json.dumps(
        {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {REQUEST} Error: Task timed out after 3.00 seconds",
        }
    ).encode()
    record = record_from_invoke(
        payload=payload,
        function_error="Unhandled",
        log_result=b64(TIMEOUT_TAIL),
        request_id="",
        memory_size_mb=128,
    )

    assert record["status"] == "timeout"
    assert record["function_error"] == "Unhandled"
    assert record["duration_ms"] == 3000.0


def test_out_of_memory_reports_status_and_error_type():
    report = parse_report(OOM_TAIL)

    assert report["status"] == "error" and report["error_type"] == "Runtime.OutOfMemory"
    assert report["max_memory_used_mb"] == report["memory_size_mb"] == 128


def test_a_tail_cut_before_the_report_leaves_the_figures_unknown():
    record = record_from_invoke(
        payload=b"plain text",
        function_error=None,
        log_result=b64("...order 42\n"),
        request_id="abc",
        memory_size_mb=512,
    )

    assert record["duration_ms"] is None and record["cost_usd"] is None
    assert record["cold_start"] is None
    assert record["payload"] == "plain text" and record["request_id"] == "abc"


def test_missing_or_garbled_log_results_decode_to_nothing():
    assert decode_tail(None) == ""
    assert decode_tail("not base64!!") == ""
    assert decode_tail(b64("hé\n")) == "hé\n"
