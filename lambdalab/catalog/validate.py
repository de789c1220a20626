"""Author validation: reference solutions must score 100 %, starters and wrong solutions less.

Plain Python (no Django); `manage.py sync_lessons --validate` prints `validation_table(rows)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lambdalab.catalog.content import Catalog
from lambdalab.catalog.exercise_loader import Exercise
from lambdalab.catalog.grading import AccountFactory, GradeResult, grade_exercise


@dataclass
class ValidationRow:
    exercise: str
    variant: str  # solution | starter | wrong/<name>
    expected: str  # "100%" or "<100%"
    score: float
    status: str
    ok: bool
    detail: str = ""


def validate_exercise(
    exercise: Exercise,
    *,
    runtime: Any,
    owner: str = "validator",
    account_factory: AccountFactory | None = None,
) -> list[ValidationRow]:
    """The reference solution must score 100 %; the starter and every wrong solution less."""
    variants = [
        ("solution", exercise.solution_files, True),
        ("starter", exercise.starter_files, False),
    ]
    variants += [(w.path, w.files, False) for w in exercise.wrong]
    rows = []
    for name, files, must_pass in variants:
        result = grade_exercise(
            exercise, files, runtime=runtime, owner=owner, account_factory=account_factory
        )
        rows.append(_validation_row(exercise, name, must_pass, result))
    return rows


def _validation_row(
    exercise: Exercise, name: str, must_pass: bool, result: GradeResult
) -> ValidationRow:
    perfect = result.status == "passed" and result.score >= 1.0
    ok = (perfect if must_pass else not perfect) and result.status != "error"
    ok = ok and not result.grader_errors
    return ValidationRow(
        exercise=exercise.slug,
        variant=name,
        expected="100%" if must_pass else "<100%",
        score=result.score,
        status=result.status,
        ok=ok,
        detail=_validation_detail(result, must_pass),
    )


def _validation_detail(result: GradeResult, must_pass: bool) -> str:
    if result.error:
        return f"{result.error['kind']} error: {result.error['message']}"
    if result.grader_errors:
        return "; ".join(result.grader_errors)
    failing = [t for t in result.tests if not t.passed]
    if must_pass:
        return "; ".join(f"{t.name}: {t.message}" for t in failing)
    return f"fails: {', '.join(t.name for t in failing)}" if failing else "passes every test"


def catalog_validate(
    *,
    catalog: Catalog,
    only: Iterable[str] | None = None,
    runtime: Any = None,
    account_factory: AccountFactory | None = None,
    workers: int = 1,
) -> list[ValidationRow]:
    """Validate every exercise (or only the named ones) in the real runtime.

    Exercises run on `workers` threads (the runtime is thread-safe; each exercise's variants
    run in order on one thread); rows come back in curriculum order.
    """
    wanted = set(only) if only else None
    exercises = [e for e in catalog.exercises if wanted is None or e.slug in wanted]
    if wanted and wanted - {e.slug for e in exercises}:
        raise ValueError(
            f"no such exercise: {', '.join(sorted(wanted - {e.slug for e in exercises}))}"
        )
    owned = runtime is None
    if owned:
        from lambdalab.runtime import Runtime

        runtime = Runtime()

    def one(exercise: Exercise) -> list[ValidationRow]:
        return validate_exercise(
            exercise,
            runtime=runtime,
            owner=f"validator-{exercise.slug}",
            account_factory=account_factory,
        )

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            return [row for rows in pool.map(one, exercises) for row in rows]
    finally:
        if owned:
            runtime.close()


def validation_table(rows: list[ValidationRow]) -> str:
    """A plain-text table: one line per exercise variant, then a summary line."""
    header = ("exercise", "variant", "expected", "score", "result", "detail")
    lines = [header] + [
        (
            r.exercise,
            r.variant,
            r.expected,
            f"{r.score * 100:.0f}%",
            "ok" if r.ok else "FAIL",
            r.detail[:90],
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    out = [
        "  ".join(cell.ljust(w) for cell, w in zip(line[:-1], widths, strict=True))
        + "  "
        + line[-1]
        for line in lines
    ]
    out.insert(1, "-" * min(len(out[0]) + 20, 160))
    # A misbehaving row's whole story, untruncated, so the author can fix it from the log.
    for row in (r for r in rows if not r.ok):
        out.append(f"FAIL {row.exercise} {row.variant}: {row.detail}")
    failed = sum(not r.ok for r in rows)
    out.append(f"{len(rows)} runs, {len(rows) - failed} ok, {failed} failed")
    return "\n".join(out)
