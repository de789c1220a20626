"""The gradebook (students × assignments) and per-exercise analytics, read from submissions.

A cell counts a student's best finished submission after the late policy: score × assignment
points × late factor. Attempts count every graded attempt; an infrastructure error never counts.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from lambdalab.courses.models import Assignment, Course
from lambdalab.courses.selectors import course_assignments, course_students

FILTERS = ("all", "missing", "late", "incomplete", "complete")


@dataclass
class Cell:
    assignment: Assignment
    attempts: int = 0
    best_points: float | None = None
    best_score: float | None = None  # 0–1, before the late policy
    best_submission_id: int | None = None
    late: bool = False

    @property
    def missing(self) -> bool:
        return self.attempts == 0

    @property
    def complete(self) -> bool:
        return self.best_score is not None and self.best_score >= 1.0


@dataclass
class Row:
    student: Any
    cells: list[Cell] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(c.best_points or 0 for c in self.cells), 2)

    def matches(self, status: str) -> bool:
        if status == "missing":
            return any(c.missing for c in self.cells)
        if status == "late":
            return any(c.late for c in self.cells)
        if status == "incomplete":
            return any(not c.complete for c in self.cells)
        if status == "complete":
            return all(c.complete for c in self.cells)
        return True


def _finished_submissions(course: Course, assignments: list[Assignment], students: list):
    from lambdalab.submissions.models import Status, Submission

    return Submission.objects.filter(
        user__in=students,
        exercise__in=[a.exercise_id for a in assignments],
        status=Status.FINISHED,
    ).order_by("created_at")


def gradebook(
    *, course: Course, query: str = "", status: str = "all", assignment_id: int | None = None
) -> tuple[list[Assignment], list[Row]]:
    """Rows of students (filtered by name and status) with one cell per assignment."""
    assignments = list(course_assignments(course=course))
    if assignment_id:
        assignments = [a for a in assignments if a.pk == assignment_id]
    students = list(course_students(course=course))
    if query:
        q = query.lower()
        students = [s for s in students if q in s.username.lower() or q in s.display_name.lower()]
    cells = {(s.pk, a.exercise_id): Cell(a) for s in students for a in assignments}
    for submission in _finished_submissions(course, assignments, students):
        _count(cells[(submission.user_id, submission.exercise_id)], submission)
    rows = [Row(s, [cells[(s.pk, a.exercise_id)] for a in assignments]) for s in students]
    return assignments, [r for r in rows if r.matches(status)]


def _count(cell: Cell, submission) -> None:
    cell.attempts += 1
    assignment = cell.assignment
    factor = assignment.late_factor(submission.created_at)
    points = round((submission.score or 0) * assignment.points * factor, 2)
    if cell.best_points is None or points > cell.best_points:
        cell.best_points, cell.best_score = points, submission.score
        cell.best_submission_id = submission.pk
        cell.late = assignment.days_late(submission.created_at) > 0


def gradebook_csv(*, course: Course, rows: list[Row], assignments: list[Assignment]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["username", "name", "email"]
    for a in assignments:
        header += [
            f"{a.exercise.slug} points",
            f"{a.exercise.slug} attempts",
            f"{a.exercise.slug} late",
        ]
    writer.writerow([*header, "total"])
    for row in rows:
        student = row.student
        line = [_text_cell(t) for t in (student.username, student.display_name, student.email)]
        for cell in row.cells:
            points = "" if cell.best_points is None else f"{cell.best_points:g}"
            line += [points, cell.attempts, "late" if cell.late else ""]
        writer.writerow([*line, f"{row.total:g}"])
    return out.getvalue()


def _text_cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (a name like "=HYPERLINK(…)" or "-2+3") is
    kept as text with a leading apostrophe, as OWASP advises for CSV exports."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def student_row(*, course: Course, student) -> list[tuple[Assignment, Cell, list]]:
    """One student's own view: each assignment, their best cell, and their attempts."""
    rows = []
    for assignment, attempts in student_submissions(course=course, student=student):
        cell = Cell(assignment)
        for submission in reversed(attempts):  # oldest first, as the gradebook counts them
            if submission.status == "finished":
                _count(cell, submission)
        rows.append((assignment, cell, attempts))
    return rows


def student_submissions(*, course: Course, student) -> list[tuple[Assignment, list]]:
    """Each assignment with the student's attempts at it, newest first."""
    from lambdalab.submissions.models import Submission

    assignments = list(course_assignments(course=course))
    attempts = defaultdict(list)
    for s in Submission.objects.filter(
        user=student, exercise__in=[a.exercise_id for a in assignments]
    ).order_by("-created_at"):
        attempts[s.exercise_id].append(s)
    return [(a, attempts[a.exercise_id]) for a in assignments]


# --- analytics ---------------------------------------------------------------------------------


@dataclass
class Analytics:
    students: int
    attempted: int
    passed: int
    score_buckets: list[int]  # best score per student in tenths: 0–9 %, 10–19 % ... 100 %
    error_types: list[tuple[str, int]]
    median_attempts: float | None
    median_minutes_to_pass: float | None

    @property
    def pass_rate(self) -> float | None:
        return None if not self.attempted else round(100 * self.passed / self.attempted, 1)

    def chart_data(self) -> dict[str, Any]:
        labels = [f"{i * 10}–{i * 10 + 9}%" for i in range(10)] + ["100%"]
        return {
            "scores": {"labels": labels, "values": self.score_buckets},
            "errors": {
                "labels": [name for name, _ in self.error_types],
                "values": [count for _, count in self.error_types],
            },
        }


def exercise_analytics(*, course: Course, assignment: Assignment) -> Analytics:
    """Pass rate, score distribution, common errors, median attempts and time to pass."""
    students = list(course_students(course=course))
    by_user = defaultdict(list)
    for s in _finished_submissions(course, [assignment], students):
        by_user[s.user_id].append(s)
    buckets = [0] * 11
    attempts, minutes, errors = [], [], Counter()
    passed = 0
    for subs in by_user.values():
        best = max(s.score or 0 for s in subs)
        buckets[min(int(best * 10 + 1e-9), 10)] += 1
        first_pass = next((i for i, s in enumerate(subs) if s.passed), None)
        attempts.append(len(subs) if first_pass is None else first_pass + 1)
        if first_pass is not None:
            passed += 1
            delta = subs[first_pass].created_at - subs[0].created_at
            minutes.append(delta.total_seconds() / 60)
        for s in subs:
            errors.update(error_types(s.results))
    return Analytics(
        students=len(students),
        attempted=len(by_user),
        passed=passed,
        score_buckets=buckets,
        error_types=errors.most_common(8),
        median_attempts=statistics.median(attempts) if attempts else None,
        median_minutes_to_pass=round(statistics.median(minutes), 1) if minutes else None,
    )


def error_types(results: dict | None) -> list[str]:
    """What went wrong in one submission: Python exceptions by type, else the failing check."""
    found = []
    for test in (results or {}).get("tests", []):
        if test.get("passed"):
            continue
        kinds = {
            (inv.get("payload") or {}).get("errorType")
            for inv in test.get("invocations", [])
            if isinstance(inv.get("payload"), dict)
        } - {None}
        if kinds:
            found += sorted(kinds)
        elif any(inv.get("status") == "timeout" for inv in test.get("invocations", [])):
            found.append("Timeout")
        else:
            failing = [c for c in test.get("checks", []) if not c.get("passed")]
            found.append(
                f"wrong result ({failing[0].get('kind', 'check')})" if failing else "failed"
            )
    if (results or {}).get("error"):
        found.append(f"{results['error'].get('kind', 'error')} error")
    return found
