"""The worker's side of the sandbox: one Runtime per worker process, and adapters to it.

Learner code never runs here: the runtime forks isolated environments from its own zygote.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from lambdalab.submissions.errors import InfrastructureError, Refused

MAX_CODE_BYTES = 3 * 1024 * 1024  # the Lambda console editor's limit

_runtime = None
_runtime_lock = threading.Lock()


def get_runtime():
    """The process's Runtime, started on first use (after Celery forks its pool children)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            from lambdalab.runtime import Runtime

            _runtime = Runtime()
        return _runtime


def validate_files(files: Any) -> None:
    if not isinstance(files, dict) or not files:
        raise Refused("There is no code to run.")
    total = 0
    for path, source in files.items():
        if not isinstance(path, str) or not isinstance(source, str):
            raise Refused("Each file needs a name and text content.")
        total += len(source.encode("utf-8", "surrogatepass"))
    if total > MAX_CODE_BYTES:
        size = f"{total / 1024 / 1024:.1f} MB"
        raise Refused(f"Your code is {size}; the limit is 3 MB, as in the Lambda console.")


def exercise_content(version):
    """The catalog's content object for one stored version of an exercise."""
    return version.content()


def attempt_policy(version) -> dict[str, int]:
    exercise = exercise_content(version)
    return {
        "max_attempts": int(exercise.attempts.max or 0),
        "cooldown_seconds": int(exercise.attempts.cooldown_seconds or 0),
    }


def worst_case_seconds(job) -> float:
    """An upper bound on how long the job can legitimately take in the sandbox."""
    from lambdalab.submissions.models import Run

    if isinstance(job, Run):
        return float(job.config.get("timeout", 3)) + 10
    exercise = exercise_content(job.exercise_version)
    timeout = float(job.config.get("timeout", exercise.timeout))
    invocations = sum(test_invocations(test) for test in exercise.tests)
    return invocations * (timeout + 10)  # + INIT (10 s) per invocation in the worst case


def test_invocations(test) -> int:
    repeat = 1
    for check in test.checks:
        options = getattr(check, "options", None) or {}
        if isinstance(options, dict) and "repeat" in options:
            repeat = max(repeat, int(options["repeat"]))
    return repeat


@dataclass(frozen=True)
class RunOutcome:
    record: dict[str, Any]
    aws_state: dict[str, Any] | None


def invoke_run(run) -> RunOutcome:
    """One ungraded Test invocation, with the exercise's mock AWS account when it has fixtures."""
    from lambdalab.catalog.grading import build_function_config

    exercise = exercise_content(run.exercise.current_version) if run.exercise else None
    config = _run_config(run, exercise)
    try:
        function = build_function_config(exercise or _Playground(), run.files, config)
    except ValueError as exc:
        return RunOutcome(record=_config_error_record(str(exc)), aws_state=None)
    fixtures = exercise.fixtures if exercise else None
    try:
        return _invoke(run, function, fixtures)
    except Refused:
        raise
    except Exception as exc:
        raise InfrastructureError(f"{type(exc).__name__}: {exc}") from exc


def _invoke(run, function, fixtures) -> RunOutcome:
    runtime = get_runtime()
    owner = f"user-{run.user_id}"
    event = json.dumps(run.event).encode()  # the payload as typed: a string or null stays one
    if not fixtures:
        invocation = runtime.invoke(function, event, owner=owner, cold=run.cold)
        return RunOutcome(record=invocation.to_dict(), aws_state=None)
    from lambdalab.mockaws import MockAccount

    with MockAccount.start(fixtures=fixtures) as account:
        before = account.state()
        invocation = runtime.invoke(function, event, owner=owner, cold=run.cold, aws=account)
        after = account.state()
    return RunOutcome(record=invocation.to_dict(), aws_state={"before": before, "after": after})


def _run_config(run, exercise) -> dict[str, Any]:
    base = exercise.config_dict(None) if exercise else dict(_Playground.defaults)
    base["handler"] = run.handler or base["handler"]
    allowed = (
        set(exercise.configurable)
        if exercise
        else {"memory", "timeout", "environment", "architecture"}
    )
    for key, value in (run.config or {}).items():
        if key in allowed:
            base[key] = value
    return base


class _Playground:
    """Defaults for a run outside any exercise (as the Lambda console creates a function)."""

    slug = "playground"
    defaults = {
        "handler": "lambda_function.lambda_handler",
        "runtime": "python3.12",
        "memory": 128,
        "timeout": 3,
        "environment": {},
        "architecture": "x86_64",
    }


def _config_error_record(message: str) -> dict[str, Any]:
    payload = {"errorMessage": message, "errorType": "InvalidParameterValueException"}
    return {
        "request_id": None,
        "status": "config_error",
        "payload": payload,
        "function_error": None,
        "logs": "",
        "duration_ms": None,
        "billed_duration_ms": None,
        "init_duration_ms": None,
        "max_memory_used_mb": None,
        "memory_size_mb": None,
        "cold_start": None,
        "log_stream_name": None,
        "cost_usd": None,
    }


@dataclass(frozen=True)
class Grade:
    passed: bool
    score: float
    points: float
    max_points: float
    document: dict[str, Any]
    sandbox_ms: float


def grade_submission(submission) -> Grade:
    from lambdalab.catalog.grading import grade_exercise

    exercise = exercise_content(submission.exercise_version)
    started = time.perf_counter()
    try:
        result = grade_exercise(
            exercise,
            submission.files,
            runtime=get_runtime(),
            owner=f"user-{submission.user_id}",
            config_overrides=submission.config or None,
        )
    except ValueError as exc:  # a config the exercise does not allow the learner to change
        raise Refused(str(exc)) from exc
    except Exception as exc:
        raise InfrastructureError(f"{type(exc).__name__}: {exc}") from exc
    if result.status == "error" and (result.error or {}).get("kind") == "infrastructure":
        raise InfrastructureError(result.error["message"])
    document = json.loads(json.dumps(result.to_dict(), default=str))
    return Grade(
        passed=result.status == "passed",
        score=result.score,
        points=result.points,
        max_points=result.max_points,
        document=document,
        sandbox_ms=(time.perf_counter() - started) * 1000,
    )
