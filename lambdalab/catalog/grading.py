"""Grade a learner's files: run an exercise's tests in the runtime, check on the trusted side.

Plain Python (no Django). The runtime (`lambdalab.runtime.Runtime`) runs the learner's code in
its sandbox; checks, fixtures and the mock-AWS state stay on this side. A timeout or crash of
the learner's code is a failed test, never an exception; an invalid configuration or a broken
sandbox gives a result with status "error".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lambdalab.catalog.checks import CheckContext, CheckOutcome, evaluate_check
from lambdalab.catalog.exercise_loader import Exercise, ExerciseTest
from lambdalab.catalog.triggers import trigger_event

RESULTS_VERSION = 1
FRESH_PARALLELISM = 2  # independent `fresh` tests run this many at a time
AccountFactory = Callable[[dict[str, Any]], Any]


@dataclass
class TestResult:
    name: str
    visible: bool
    passed: bool
    points: float
    max_points: float
    message: str
    checks: list[CheckOutcome] = field(default_factory=list)
    invocations: list[dict[str, Any]] = field(default_factory=list)
    event: Any = None

    __test__ = False  # not a pytest test class

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "visible": self.visible,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message,
            "event": self.event,
            "checks": [c.to_dict() for c in self.checks],
            "invocations": self.invocations,
        }


@dataclass
class GradeResult:
    exercise: str
    status: str  # passed | failed | error
    score: float  # 0..1
    points: float
    max_points: float
    tests: list[TestResult] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    error: dict[str, str] | None = None  # {"kind": "config" | "infrastructure", "message": ...}

    @property
    def grader_errors(self) -> list[str]:
        """Checks that crashed: the exercise's fault, shown to authors by --validate."""
        return [f"{t.name}: {c.message}" for t in self.tests for c in t.checks if c.grader_error]

    def to_dict(self) -> dict[str, Any]:
        """The full, versioned results document (staff view and storage)."""
        return {**self._head(), "tests": [t.to_dict() for t in self.tests]}

    def to_learner_dict(self) -> dict[str, Any]:
        """The same document with hidden tests redacted."""
        return redact_for_learner(self.to_dict())

    def _head(self) -> dict[str, Any]:
        return {
            "version": RESULTS_VERSION,
            "exercise": self.exercise,
            "status": self.status,
            "score": self.score,
            "points": self.points,
            "max_points": self.max_points,
            "config": self.config,
            "error": self.error,
        }


def redact_for_learner(document: Mapping[str, Any]) -> dict[str, Any]:
    """A stored full results document (`to_dict()`) as the learner may see it."""
    tests = []
    for number, test in enumerate(document.get("tests", []), start=1):
        if test.get("visible"):
            tests.append(dict(test))
        else:
            tests.append(
                {
                    "name": f"Hidden test {number}",
                    "visible": False,
                    "passed": test.get("passed", False),
                    "points": test.get("points", 0),
                    "max_points": test.get("max_points", 0),
                    "message": "Passed." if test.get("passed") else "A hidden test failed.",
                }
            )
    return {**document, "tests": tests}


def grade_exercise(
    exercise: Exercise,
    files: Mapping[str, str],
    *,
    runtime: Any,
    owner: str,
    config_overrides: Mapping[str, Any] | None = None,
    account_factory: AccountFactory | None = None,
) -> GradeResult:
    """Run every test of `exercise` against the learner's `files` and score them.

    `runtime` is a `lambdalab.runtime.Runtime`; `owner` names the learner (environments are
    never shared between owners). `config_overrides` may change only the exercise's
    `configurable` fields (ValueError otherwise). `account_factory(fixtures)` starts the mock
    AWS account (default: `MockAccount.start`).
    """
    config = exercise.config_dict(config_overrides)
    try:
        function = build_function_config(exercise, files, config)
    except ValueError as exc:  # the runtime's ConfigError: AWS-worded, shown to the learner
        return _error_result(exercise, config, "config", str(exc))
    run = _Run(
        exercise,
        function,
        config,
        runtime,
        # Separate from the learner's scratch runs; the first test always starts cold, and the
        # runtime retires this owner's environments for older code, so they do not pile up.
        f"{owner}:grading",
        account_factory or _start_mock_account,
    )
    try:
        tests = run.all_tests()
    except Exception as exc:  # the sandbox or mock AWS broke: not the learner's fault
        return _error_result(exercise, config, "infrastructure", f"{exc.__class__.__name__}: {exc}")
    return _result(exercise, config, tests)


def build_function_config(exercise: Exercise, files: Mapping[str, str], config: dict) -> Any:
    """The runtime's FunctionConfig for these files and this (possibly learner-changed) config."""
    try:
        from lambdalab.runtime import FunctionConfig
    except ImportError:  # the package's public exports are still landing
        from lambdalab.runtime.config import FunctionConfig

    return FunctionConfig(
        code=dict(files),
        handler=config["handler"],
        runtime=config["runtime"],
        memory_size=int(config["memory"]),
        timeout=int(config["timeout"]),
        environment=dict(config["environment"]),
        architecture=config["architecture"],
        function_name=exercise.slug[:64],
    )


def _start_mock_account(fixtures: dict[str, Any]) -> Any:
    from lambdalab.mockaws import MockAccount

    return MockAccount.start(fixtures=fixtures)


class _Run:
    """One grading run: environments and mock accounts as the exercise's reuse policy says."""

    def __init__(
        self,
        exercise: Exercise,
        function: Any,
        config: dict,
        runtime: Any,
        owner: str,
        account_factory: AccountFactory,
    ) -> None:
        self.exercise, self.function, self.config = exercise, function, config
        self.runtime, self.owner, self.account_factory = runtime, owner, account_factory
        self.all_records: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.python_checks = python_check_loader(exercise)

    def all_tests(self) -> list[TestResult]:
        if self.exercise.environment_reuse == "fresh":
            # Fresh tests share nothing (own account, own cold environment), so they can run
            # side by side; results keep the exercise's order.
            with ThreadPoolExecutor(max_workers=FRESH_PARALLELISM) as pool:
                return list(pool.map(self._fresh_test, self.exercise.tests))
        with self._account() as account:
            return [self._test(t, account, cold=i == 0) for i, t in enumerate(self.exercise.tests)]

    def _fresh_test(self, test: ExerciseTest) -> TestResult:
        with self._account() as account:
            return self._test(test, account, cold=True)

    @contextmanager
    def _account(self) -> Iterator[Any]:
        if self.exercise.fixtures is None:
            yield None
            return
        account = self.account_factory(self.exercise.fixtures)
        try:
            yield account
        finally:
            account.close()

    def _test(self, test: ExerciseTest, account: Any, *, cold: bool) -> TestResult:
        event = test.event if test.trigger is None else trigger_event(test.trigger, account)
        events = [event] * test.repeat
        invocations = self.runtime.invoke_sequence(
            self.function, events, owner=self.owner, cold=cold, aws=account
        )
        records = [_as_record(inv) for inv in invocations]
        with self._lock:  # fresh tests run on threads
            self.all_records.extend(records)
            so_far = list(self.all_records)
        context = CheckContext(
            record=records[-1],
            records=records,
            all_records=so_far,
            event=event,
            state=account.state() if account is not None and _reads_state(test) else {},
            account=account,
            config=self.config,
            test_name=test.name,
            python_checks=self.python_checks,
        )
        outcomes = [evaluate_check(check, context) for check in test.checks]
        return _test_result(test, outcomes, [for_document(r) for r in records], event)


STATE_READERS = {"aws", "aws_absent", "aws_object", "idempotent", "python"}


def _reads_state(test: ExerciseTest) -> bool:
    """Reading the account's state costs a few hundred ms; only do it when a check looks."""
    return any(check.kind in STATE_READERS for check in test.checks)


def _as_record(invocation: Any) -> dict[str, Any]:
    return invocation if isinstance(invocation, dict) else invocation.to_dict()


MAX_DOC_LOG_CHARS = 32_000
MAX_DOC_PAYLOAD_CHARS = 64_000


def for_document(record: dict[str, Any]) -> dict[str, Any]:
    """A record trimmed for the stored results (checks already saw the whole one).

    A run can log up to 1 MB and return 6 MB per invocation; the document keeps the start and
    the end of long logs (where tracebacks and REPORT lines are) and a preview of huge payloads.
    """
    trimmed = dict(record)
    logs = trimmed.get("logs") or ""
    if len(logs) > MAX_DOC_LOG_CHARS:
        head, tail = logs[: MAX_DOC_LOG_CHARS // 4], logs[-(MAX_DOC_LOG_CHARS * 3 // 4) :]
        cut = len(logs) - len(head) - len(tail)
        trimmed["logs"] = f"{head}\n[... {cut} characters not kept in the results ...]\n{tail}"
    text = json.dumps(trimmed.get("payload"), default=str)
    if len(text) > MAX_DOC_PAYLOAD_CHARS:
        trimmed["payload"] = {"truncated": True, "size": len(text), "preview": text[:4000]}
    return trimmed


def _test_result(
    test: ExerciseTest, outcomes: list[CheckOutcome], records: list[dict[str, Any]], event: Any
) -> TestResult:
    failures = [o for o in outcomes if not o.passed]
    return TestResult(
        name=test.name,
        visible=test.visible,
        passed=not failures,
        points=0 if failures else test.points,
        max_points=test.points,
        message=failures[0].message if failures else "Passed.",
        checks=outcomes,
        invocations=records,
        event=event,
    )


def _result(exercise: Exercise, config: dict, tests: list[TestResult]) -> GradeResult:
    total = sum(t.max_points for t in tests)
    score = sum(t.points for t in tests) / total if total else 0.0
    return GradeResult(
        exercise=exercise.slug,
        status="passed" if all(t.passed for t in tests) else "failed",
        score=round(score, 6),
        points=round(score * exercise.points, 2),
        max_points=exercise.points,
        tests=tests,
        config=config,
    )


def _error_result(exercise: Exercise, config: dict, kind: str, message: str) -> GradeResult:
    return GradeResult(
        exercise=exercise.slug,
        status="error",
        score=0.0,
        points=0.0,
        max_points=exercise.points,
        config=config,
        error={"kind": kind, "message": message},
    )


def python_check_loader(exercise: Exercise) -> Callable[[str], Callable[..., Any]]:
    """Load instructor check functions from the exercise's own files, on the trusted side."""
    modules: dict[str, dict[str, Any]] = {}

    def load(ref: str) -> Callable[..., Any]:
        filename, function = ref.split(":")
        if filename not in modules:
            namespace: dict[str, Any] = {"__name__": f"lambdalab_checks.{exercise.slug}"}
            code = compile(exercise.files[filename], f"{exercise.slug}/{filename}", "exec")
            exec(code, namespace)  # noqa: S102 - instructor-authored, reviewed content
            modules[filename] = namespace
        return modules[filename][function]

    return load
