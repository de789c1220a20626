"""Platform lines, documents and prices are byte-exact copies of what AWS produces."""

from __future__ import annotations

import json

import pytest

from lambdalab.runtime import formats
from lambdalab.runtime.bootstrap import error_log_record, user_frames
from lambdalab.runtime.invocation import Invocation

RID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def test_warm_report_line_uses_tabs_and_a_trailing_tab():
    line = formats.report_line(
        request_id=RID,
        duration_ms=2.904,
        billed_ms=3,
        memory_size=128,
        max_memory_mb=36,
        init_ms=None,
        status="success",
        error_type=None,
    )
    assert line == (
        f"REPORT RequestId: {RID}\tDuration: 2.90 ms\tBilled Duration: 3 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 36 MB\t\n"
    )


def test_cold_report_line_puts_init_duration_after_max_memory():
    line = formats.report_line(
        request_id=RID,
        duration_ms=3.01,
        billed_ms=114,
        memory_size=128,
        max_memory_mb=36,
        init_ms=110.1,
        status="success",
        error_type=None,
    )
    assert line.endswith("Max Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n")


def test_failed_report_line_carries_status_and_error_type():
    line = formats.report_line(
        request_id=RID,
        duration_ms=5,
        billed_ms=5,
        memory_size=128,
        max_memory_mb=128,
        init_ms=None,
        status="error",
        error_type="Runtime.OutOfMemory",
    )
    assert line.endswith(
        "Max Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\t\n"
    )


def test_start_line_has_a_space_not_a_tab_before_version():
    assert formats.start_line(RID, "$LATEST") == f"START RequestId: {RID} Version: $LATEST\n"


def test_timeout_document_has_the_configured_seconds_and_two_keys_in_order():
    doc = formats.timeout_document(request_id=RID, timeout_s=3)
    assert doc == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
        + RID.encode()
        + b' Error: Task timed out after 3.00 seconds"}'
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (-9, "Runtime exited with error: signal: killed"),
        (-11, "Runtime exited with error: signal: segmentation fault"),
        (1, "Runtime exited with error: exit status 1"),
        (0, "Runtime exited without providing a reason"),
    ],
)
def test_exit_reasons_are_worded_like_the_platform(status, reason):
    assert formats.exit_reason(status) == reason
    assert json.loads(formats.exit_error_document(request_id=RID, status=status)) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {RID} Error: {reason}",
    }


def test_response_too_large_document_names_6_mib_plus_100_bytes():
    assert json.loads(formats.response_too_large_document())["errorMessage"] == (
        "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
    )


def test_billing_rounds_up_to_the_millisecond_and_bills_init_on_cold_starts():
    assert formats.billed_duration_ms(2.01, None) == 3
    assert formats.billed_duration_ms(3.0, None) == 3
    assert formats.billed_duration_ms(1293.83 + 0, 1049.63) == 2344


def test_cost_uses_us_east_1_prices_per_architecture():
    # 1 GB for 1 s: 0.0000166667 (x86) or 0.0000133334 (arm) plus one request at $0.20/M
    assert formats.cost_usd(
        billed_ms=1000, memory_size=1024, architecture="x86_64"
    ) == pytest.approx(0.0000166667 + 0.0000002)
    assert formats.cost_usd(
        billed_ms=1000, memory_size=1024, architecture="arm64"
    ) == pytest.approx(0.0000133334 + 0.0000002)


def test_throttled_invocations_cost_nothing_and_carry_the_429_document():
    inv = Invocation(
        request_id=RID,
        status="throttled",
        payload_bytes=formats.throttle_document(),
        function_error=None,
        logs="",
        duration_ms=0,
        billed_duration_ms=0,
        init_duration_ms=None,
        max_memory_used_mb=0,
        memory_size_mb=128,
        cold_start=False,
        log_stream_name=None,
    )
    assert inv.cost_usd == 0
    assert inv.to_dict()["payload"] == {
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
        "message": "Rate Exceeded.",
    }


def test_log_stream_name_has_the_creation_day_and_version():
    name = formats.log_stream_name(created=0, version="$LATEST", token="ab" * 16)
    assert name == "1970/01/01/[$LATEST]" + "ab" * 16


def test_error_log_record_replaces_leading_spaces_with_no_break_spaces():
    trace = [
        '  File "/var/task/handler.py", line 6, in handler\n'
        '    raise CustomException("some error occurred")\n'
    ]
    assert error_log_record("CustomException", "some error occurred", trace) == (
        "[ERROR] CustomException: some error occurred\nTraceback (most recent call last):\n"
        '\u00a0\u00a0File "/var/task/handler.py", line 6, in handler\n'
        '\u00a0\u00a0\u00a0\u00a0raise CustomException("some error occurred")\n'
    )


def test_error_log_record_without_a_message_has_no_colon():
    assert error_log_record("MyError", "", []).startswith("[ERROR] MyError\n")


def test_stack_traces_have_no_carets():
    try:
        {}["action"]
    except KeyError as exc:
        frames = user_frames(exc.__traceback__)
    assert frames[-1].endswith('    {}["action"]\n')
    assert "^" not in "".join(frames)
