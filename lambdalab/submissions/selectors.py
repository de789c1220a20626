"""Reads of runs and submissions for the learner's pages.

Learners see only their own jobs (anyone else's is a 404, as if it did not exist), and a graded
result's hidden tests are redacted here, from the stored document, before any template sees it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from lambdalab.submissions.models import Run, Status, Submission

REPORT_PREFIXES = ("START ", "END ", "REPORT ", "INIT_START ")


def run_get(*, user, run_id: int) -> Run:
    """The learner's own run (Http404 for anyone else's, or a missing one)."""
    run = Run.objects.select_related("exercise").filter(pk=run_id, user=user).first()
    if run is None:
        raise Http404("No such run.")
    return run


def submission_get(*, user, submission_id: int) -> Submission:
    """The learner's own submission (Http404 for anyone else's, or a missing one)."""
    queryset = Submission.objects.select_related("exercise", "exercise_version", "exercise__lesson")
    submission = queryset.filter(pk=submission_id, user=user).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


def submission_history(*, user, exercise) -> QuerySet[Submission]:
    """The learner's attempts at one exercise, newest first."""
    return Submission.objects.filter(user=user, exercise=exercise).order_by("-created_at")


def attempt_count(*, user_id: int, exercise_id: int) -> int:
    """How many attempts the learner made at the exercise (what "Your attempts (N)" shows)."""
    return Submission.objects.filter(user_id=user_id, exercise_id=exercise_id).count()


def submissions_recent(*, user, limit: int = 8) -> list[Submission]:
    queryset = Submission.objects.filter(user=user).select_related("exercise", "exercise__lesson")
    return list(queryset.order_by("-created_at")[:limit])


def best_scores(*, user) -> dict[int, float]:
    """exercise id → the learner's best score (0–1) over finished submissions."""
    best: dict[int, float] = {}
    finished = Submission.objects.filter(user=user, status=Status.FINISHED, score__isnull=False)
    for exercise_id, score in finished.values_list("exercise_id", "score"):
        best[exercise_id] = max(score, best.get(exercise_id, 0.0))
    return best


@dataclass(frozen=True)
class LearnerTest:
    """One test as the learner may see it."""

    name: str
    visible: bool
    passed: bool
    points: float
    max_points: float
    message: str
    hint: str = ""
    event: Any = None
    expected: list[Any] | None = None
    checks: list[dict[str, Any]] | None = None
    actual: Any = None
    logs: str = ""


def learner_tests(*, submission: Submission) -> list[LearnerTest]:
    """The results' tests for the learner: visible tests in full, hidden ones redacted."""
    document = submission.results or {}
    spec = submission.exercise_version.spec or {}
    general_hint = (spec.get("hints") or [""])[0]
    specs = {t.get("name", ""): t for t in spec.get("tests", [])}
    return [_learner_test(test, specs, general_hint) for test in document.get("tests", [])]


def _learner_test(test: dict[str, Any], specs: dict[str, dict], general_hint: str) -> LearnerTest:
    spec = specs.get(test.get("name", ""), {})
    head = {
        "name": test.get("name", ""),
        "visible": bool(test.get("visible")),
        "passed": bool(test.get("passed")),
        "points": test.get("points", 0),
        "max_points": test.get("max_points", 0),
    }
    if not head["visible"]:
        message = "Passed." if head["passed"] else "This hidden test failed."
        # The author's description of the test, else the exercise's first hint: never the checks.
        hint = "" if head["passed"] else spec.get("description") or general_hint
        return LearnerTest(**head, message=message, hint=hint)
    invocations = test.get("invocations") or []
    last = invocations[-1] if invocations else {}
    return LearnerTest(
        **head,
        message=test.get("message", ""),
        event=test.get("event"),
        expected=spec.get("checks") or [],
        checks=test.get("checks") or [],
        actual=last.get("payload"),
        logs=last.get("logs", ""),
    )


def submission_diff(*, older: Submission, newer: Submission) -> list[dict[str, Any]]:
    """A unified diff per file between two attempts (files only in one side included)."""
    paths = sorted(set(older.files) | set(newer.files))
    diffs = []
    for path in paths:
        before = older.files.get(path, "").splitlines(keepends=True)
        after = newer.files.get(path, "").splitlines(keepends=True)
        lines = list(
            difflib.unified_diff(
                before,
                after,
                fromfile=f"attempt {older.attempt}/{path}",
                tofile=f"attempt {newer.attempt}/{path}",
            )
        )
        diffs.append({"path": path, "lines": [_diff_line(line) for line in lines]})
    return diffs


def _diff_line(line: str) -> dict[str, str]:
    text = line.rstrip("\n")
    if text.startswith(("+++", "---")):
        kind = "file"
    elif text.startswith("@@"):
        kind = "hunk"
    elif text.startswith("+"):
        kind = "add"
    elif text.startswith("-"):
        kind = "del"
    else:
        kind = "same"
    return {"kind": kind, "text": text}


def log_lines(logs: str) -> list[dict[str, str]]:
    """The function's logs split into lines, platform lines (START/END/REPORT) marked."""
    return [
        {"text": line, "platform": "yes" if line.startswith(REPORT_PREFIXES) else ""}
        for line in (logs or "").splitlines()
    ]


def latest_run(*, user, exercise) -> Run | None:
    """The learner's last Test run of this exercise, shown again when they come back."""
    if not user.is_authenticated:
        return None
    return Run.objects.filter(user=user, exercise=exercise).order_by("-created_at").first()


def aws_changes(state: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per service and resource, what the run changed in the mock account (before → after)."""
    if not state:
        return []
    before, after = state.get("before") or {}, state.get("after") or {}
    rows = []
    for service in sorted(set(before) | set(after)):
        old, new = before.get(service) or {}, after.get(service) or {}
        if not isinstance(old, dict) or not isinstance(new, dict):
            continue
        for name in sorted(set(old) | set(new), key=str):
            rows.append(_change(service, name, old.get(name), new.get(name)))
    return rows


def _change(service: str, name: str, old: Any, new: Any) -> dict[str, Any]:
    if old == new:
        kind = "unchanged"
    elif old is None:
        kind = "created"
    elif new is None:
        kind = "deleted"
    else:
        kind = "changed"
    return {"service": service, "name": name, "kind": kind, "before": old, "after": new}


def run_context(run: Run | None) -> dict[str, Any]:
    """What the Test result shows, like the Lambda console's execution result."""
    if run is None:
        return {"run": None}
    from lambdalab.submissions.services import queue_position

    record = run.record or {}
    cost = record.get("cost_usd")
    return {
        "run": run,
        "record": record,
        "log_lines": log_lines(record.get("logs", "")),
        "cost_per_million": None if cost is None else cost * 1_000_000,
        "position": queue_position(run),
        "aws_changes": aws_changes(run.aws_state),
    }
