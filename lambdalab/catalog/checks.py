"""The checks an exercise test can make, evaluated on the trusted side.

A check reads invocation records (the runtime's `Invocation.to_dict()` / CLI `--json` keys) and
the mock-AWS state document, and returns a `CheckOutcome` with a learner-readable message.
Instructor Python checks (`python: checks.py:func`) run here too, never in the sandbox.
Plain Python: no Django imports.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lambdalab.catalog.checkspec import ARG_SCHEMAS, CHECK_KINDS, Check, repeat_count
from lambdalab.catalog.matching import (
    MISSING,
    matcher_problem,
    resolve_jsonpath,
    resolve_path,
    short,
    subset_mismatch,
    values_equal,
)

__all__ = [
    "ARG_SCHEMAS",
    "CHECK_KINDS",
    "Check",
    "CheckContext",
    "CheckOutcome",
    "evaluate_check",
    "repeat_count",
]


@dataclass(frozen=True)
class CheckOutcome:
    kind: str
    passed: bool
    message: str
    grader_error: bool = False  # the check itself is broken (author's bug), not the learner's

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "passed": self.passed,
            "message": self.message,
            "grader_error": self.grader_error,
        }


@dataclass
class CheckContext:
    """What a check can see. `record` is the test's last invocation; `account` the MockAccount."""

    record: dict[str, Any]
    records: list[dict[str, Any]]
    all_records: list[dict[str, Any]] = field(default_factory=list)
    event: Any = None
    state: dict[str, Any] = field(default_factory=dict)
    account: Any = None
    config: dict[str, Any] = field(default_factory=dict)
    test_name: str = ""
    python_checks: Callable[[str], Callable[[CheckContext], Any]] | None = None

    @property
    def payload(self) -> Any:
        return self.record.get("payload")


class CheckFailed(Exception):
    """Raised inside an evaluator to fail with a learner-readable message."""


# --- evaluation --------------------------------------------------------------------------------


def evaluate_check(check: Check, ctx: CheckContext) -> CheckOutcome:
    """Run one check; a crash inside the check is reported as a grader error, never raised."""
    evaluator = _EVALUATORS[check.kind]
    try:
        passed_message = evaluator(check.arg, ctx)
    except CheckFailed as failure:
        return CheckOutcome(check.kind, False, check.message or str(failure))
    except Exception as exc:  # an instructor check or a malformed record: the grader's fault
        detail = f"{exc.__class__.__name__}: {exc}"
        return CheckOutcome(
            check.kind, False, f"Grader error in {check.kind} check: {detail}", True
        )
    return CheckOutcome(check.kind, True, passed_message or "ok")


def _failure_reason(record: Mapping[str, Any]) -> str | None:
    """'KeyError: 'name'' when the invocation failed, else None."""
    if not record.get("function_error"):
        return None
    payload = record.get("payload")
    if isinstance(payload, Mapping):
        kind = payload.get("errorType", "Error")
        text = payload.get("errorMessage", "")
        return f"{kind}: {text}" if text else str(kind)
    return "an error"


def _require_success(ctx: CheckContext) -> None:
    reason = _failure_reason(ctx.record)
    if reason:
        raise CheckFailed(f"The function failed with {reason} instead of returning a result.")


def _c_returns(expected: Any, ctx: CheckContext) -> str:
    _require_success(ctx)
    if not values_equal(ctx.payload, expected):
        raise CheckFailed(
            f"Expected the function to return {short(expected)}, got {short(ctx.payload)}."
        )
    return f"returned {short(expected)}"


def _c_returns_subset(expected: Any, ctx: CheckContext) -> str:
    _require_success(ctx)
    problem = subset_mismatch(ctx.payload, expected)
    if problem:
        raise CheckFailed(f"The returned value is not right: {problem}.")
    return "returned the expected fields"


def _c_jsonpath(arg: Mapping[str, Any], ctx: CheckContext) -> str:
    _require_success(ctx)
    value = resolve_jsonpath(ctx.payload, arg["path"])
    problem = matcher_problem(arg, value)
    if problem:
        raise CheckFailed(f"In the returned value at {arg['path']}: {problem}.")
    return f"{arg['path']} is right"


def _api_response(ctx: CheckContext) -> Mapping[str, Any]:
    _require_success(ctx)
    payload = ctx.payload
    if not isinstance(payload, Mapping):
        raise CheckFailed(
            "API Gateway expects a response object like "
            '{"statusCode": 200, "body": "..."}, but the function returned '
            f"{short(payload)}."
        )
    return payload


def _c_status(expected: int, ctx: CheckContext) -> str:
    actual = _api_response(ctx).get("statusCode", MISSING)
    if actual is MISSING:
        raise CheckFailed(f"The response has no statusCode (expected {expected}).")
    if not values_equal(actual, expected):
        raise CheckFailed(f"Expected statusCode {expected}, got {short(actual)}.")
    return f"statusCode {expected}"


def _body(ctx: CheckContext) -> Any:
    response = _api_response(ctx)
    body = response.get("body", MISSING)
    if body is MISSING:
        raise CheckFailed("The response has no body.")
    if not isinstance(body, str):
        raise CheckFailed(f"The body must be a string (use json.dumps), but it is {short(body)}.")
    return body


def _c_body_subset(expected: Any, ctx: CheckContext) -> str:
    text = _body(ctx)
    try:
        body = json.loads(text)
    except ValueError:
        raise CheckFailed(f"The body is not JSON: {short(text)}.") from None
    problem = subset_mismatch(body, expected)
    if problem:
        raise CheckFailed(f"The response body is not right: {problem}.")
    return "body has the expected fields"


def _c_body_contains(expected: str, ctx: CheckContext) -> str:
    if expected not in _body(ctx):
        raise CheckFailed(f"Expected the body to contain {short(expected)}.")
    return "body contains the text"


def _c_headers_subset(expected: Mapping[str, str], ctx: CheckContext) -> str:
    headers = _api_response(ctx).get("headers") or {}
    lowered = (
        {str(k).lower(): v for k, v in headers.items()} if isinstance(headers, Mapping) else {}
    )
    for name, value in expected.items():
        actual = lowered.get(name.lower(), MISSING)
        if actual is MISSING:
            raise CheckFailed(f"The response has no {name} header.")
        if actual != value:
            raise CheckFailed(f"Expected header {name}: {value}, got {short(actual)}.")
    return "headers are right"


def _texts(arg: str | list[str]) -> list[str]:
    return [arg] if isinstance(arg, str) else list(arg)


def _c_logs_contain(arg: str | list[str], ctx: CheckContext) -> str:
    logs = ctx.record.get("logs") or ""
    for text in _texts(arg):
        if text not in logs:
            raise CheckFailed(f"Expected the logs to contain {short(text)}.")
    return "logs contain the expected text"


def _c_logs_not_contain(arg: str | list[str], ctx: CheckContext) -> str:
    logs = ctx.record.get("logs") or ""
    for text in _texts(arg):
        if text in logs:
            raise CheckFailed(f"The logs should not contain {short(text)}.")
    return "logs are clean"


def _c_logs_match(pattern: str, ctx: CheckContext) -> str:
    import re

    if not re.search(pattern, ctx.record.get("logs") or "", re.MULTILINE):
        raise CheckFailed(f"Expected a log line matching /{pattern}/.")
    return "logs match"


def _c_error_type(expected: str, ctx: CheckContext) -> str:
    reason = _failure_reason(ctx.record)
    if reason is None:
        raise CheckFailed(f"Expected the invocation to fail with {expected}, but it succeeded.")
    payload = ctx.payload if isinstance(ctx.payload, Mapping) else {}
    if payload.get("errorType") != expected:
        raise CheckFailed(
            f"Expected the invocation to fail with {expected}, but it failed with {reason}."
        )
    return f"failed with {expected} as expected"


def _c_no_error(_arg: bool, ctx: CheckContext) -> str:
    reason = _failure_reason(ctx.record)
    if reason:
        raise CheckFailed(f"The function failed with {reason}.")
    return "no error"


def _c_aws(arg: Mapping[str, Any], ctx: CheckContext) -> str:
    value = resolve_path(ctx.state, arg["path"])
    problem = matcher_problem(arg, value)
    if problem:
        raise CheckFailed(f"In the AWS account, {arg['path']}: {problem}.")
    return f"{arg['path']} is right"


def _c_aws_absent(path: str, ctx: CheckContext) -> str:
    value = resolve_path(ctx.state, path)
    if value is not MISSING:
        raise CheckFailed(f"{path} should no longer exist in the AWS account.")
    return f"{path} is gone"


def _c_aws_object(arg: Mapping[str, Any], ctx: CheckContext) -> str:
    bucket, key = arg["bucket"], arg["key"]
    value = _object_body(ctx, bucket, key)
    problem = matcher_problem(arg, value)
    if problem:
        raise CheckFailed(f"The object s3://{bucket}/{key}: {problem}.")
    return f"s3://{bucket}/{key} is right"


def _object_body(ctx: CheckContext, bucket: str, key: str) -> Any:
    if resolve_path(ctx.state, f"s3.{bucket}") is MISSING:
        return MISSING
    if key not in ctx.state["s3"][bucket]:
        return MISSING
    raw = ctx.account.read_object(bucket, key)
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    try:
        return json.loads(text)
    except ValueError:
        return text


def _at_most(record_key: str, label: str, unit: str) -> Callable[[float, CheckContext], str]:
    def check(limit: float, ctx: CheckContext) -> str:
        value = ctx.record.get(record_key)
        if value is None:
            raise CheckFailed(f"The invocation has no {label} to compare.")
        if value > limit:
            raise CheckFailed(f"{label} was {value:g} {unit}; it must be at most {limit:g} {unit}.")
        return f"{label} {value:g} {unit} ≤ {limit:g}"

    return check


def _c_max_cost(limit: float, ctx: CheckContext) -> str:
    cost = ctx.record.get("cost_usd")
    if cost is None:
        raise CheckFailed("The invocation has no cost to compare.")
    per_million = cost * 1_000_000
    if per_million > limit + 1e-9:
        raise CheckFailed(
            f"One million invocations like this would cost ${per_million:.4f}; "
            f"the budget is ${limit:.4f}."
        )
    return f"${per_million:.4f} per million ≤ ${limit:.4f}"


def _c_cold_start(expected: bool, ctx: CheckContext) -> str:
    actual = bool(ctx.record.get("cold_start"))
    if actual != expected:
        word = "a cold start" if expected else "a warm start"
        raise CheckFailed(f"Expected {word}, but it was {'cold' if actual else 'warm'}.")
    return "cold" if actual else "warm"


def _c_config(expected: Mapping[str, Any], ctx: CheckContext) -> str:
    problem = subset_mismatch(ctx.config, expected)
    if problem:
        raise CheckFailed(f"The function configuration is not right: {problem}.")
    return "configuration is right"


def _c_idempotent(arg: Mapping[str, Any] | None, ctx: CheckContext) -> str:
    arg = arg or {}
    for index, record in enumerate(ctx.records, start=1):
        reason = _failure_reason(record)
        if reason:
            raise CheckFailed(f"Sending the same event again failed on try {index} with {reason}.")
    if arg.get("same_response"):
        first = ctx.records[0].get("payload")
        for record in ctx.records[1:]:
            if not values_equal(record.get("payload"), first):
                raise CheckFailed(
                    "A retry of the same event should get the same response: first "
                    f"{short(first)}, then {short(record.get('payload'))}."
                )
    if "aws_count" in arg:
        _check_count_after_repeats(arg["aws_count"], ctx)
    return f"the same event {len(ctx.records)} times had one effect"


def _check_count_after_repeats(spec: Mapping[str, Any], ctx: CheckContext) -> None:
    value = resolve_path(ctx.state, spec["path"])
    count = (
        len(value) if isinstance(value, list | dict | str) else (0 if value is MISSING else value)
    )
    problem = matcher_problem(spec, count)
    if problem:
        raise CheckFailed(
            f"After sending the same event {len(ctx.records)} times, the number of entries at "
            f"{spec['path']} is wrong: {problem}. "
            "Use an idempotency key so a retry does nothing twice."
        )


def _c_init_once(arg: Mapping[str, Any], ctx: CheckContext) -> str:
    marker = arg["log"]
    hits = [i for i, r in enumerate(ctx.records) if marker in (r.get("logs") or "")]
    if len(hits) != 1:
        raise CheckFailed(
            f"{short(marker)} should be logged once, during the cold start, but it appeared in "
            f"{len(hits)} of {len(ctx.records)} invocations. Move that work to module level."
        )
    if not ctx.records[hits[0]].get("cold_start"):
        raise CheckFailed(f"{short(marker)} was logged in a warm invocation, not at init time.")
    return "init code ran once"


def _c_python(ref: str, ctx: CheckContext) -> str:
    if ctx.python_checks is None:
        raise RuntimeError("no checks.py is loaded for this exercise")
    result = _call_instructor_check(ctx.python_checks(ref), ctx)
    if result is None or result is True:
        return "ok"
    if result is False:
        raise CheckFailed("The instructor's check did not pass.")
    raise CheckFailed(str(result))


def _call_instructor_check(func: Callable[[CheckContext], Any], ctx: CheckContext) -> Any:
    try:
        return func(ctx)
    except AssertionError as failure:
        raise CheckFailed(str(failure) or "The instructor's check did not pass.") from None


_EVALUATORS: dict[str, Callable[[Any, CheckContext], str]] = {
    "returns": _c_returns,
    "returns_subset": _c_returns_subset,
    "jsonpath": _c_jsonpath,
    "status": _c_status,
    "body_subset": _c_body_subset,
    "body_contains": _c_body_contains,
    "headers_subset": _c_headers_subset,
    "logs_contain": _c_logs_contain,
    "logs_not_contain": _c_logs_not_contain,
    "logs_match": _c_logs_match,
    "error_type": _c_error_type,
    "no_error": _c_no_error,
    "aws": _c_aws,
    "aws_absent": _c_aws_absent,
    "aws_object": _c_aws_object,
    "max_duration_ms": _at_most("duration_ms", "Duration", "ms"),
    "max_billed_duration_ms": _at_most("billed_duration_ms", "Billed duration", "ms"),
    "max_memory_mb": _at_most("max_memory_used_mb", "Max memory used", "MB"),
    "max_cost_per_million_usd": _c_max_cost,
    "cold_start": _c_cold_start,
    "config": _c_config,
    "idempotent": _c_idempotent,
    "init_once": _c_init_once,
    "python": _c_python,
}
assert set(_EVALUATORS) == set(ARG_SCHEMAS)  # every documented kind has an evaluator
