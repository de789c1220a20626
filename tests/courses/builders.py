"""A tiny lesson with a trivial exercise ("double the number"), and courses around it.

Version 1 tests only n=2, so a solution that adds 2 instead of doubling slips through; version 2
adds n=3 and catches it: the story a shadow regrade is for.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lambdalab.catalog.content import Catalog, parse_lesson
from lambdalab.catalog.models import Exercise
from lambdalab.catalog.services import catalog_sync

LESSON_DIR = "90-doubling"
LESSON_MD = """\
---
title: Doubling numbers
slug: doubling
summary: A tiny lesson for instructor tests.
objectives:
  - Double a number
minutes: 5
prerequisites: []
---
# Doubling

```exercise
slug: double-it
```
"""

DOUBLE = "def lambda_handler(event, context):\n    return {'double': event['n'] * 2}\n"
ADDS_TWO = "def lambda_handler(event, context):\n    return {'double': event['n'] + 2}\n"
TRIPLE = "def lambda_handler(event, context):\n    return {'double': event['n'] * 3}\n"
CRASHES = "def lambda_handler(event, context):\n    raise KeyError('n')\n"
STARTER = "def lambda_handler(event, context):\n    return {}\n"

TEST_N2 = """\
  - name: doubles two
    visible: true
    points: 1
    event: {n: 2}
    checks:
      - returns: {double: 4}
"""
TEST_N3 = """\
  - name: doubles three
    points: 1
    event: {n: 3}
    checks:
      - returns: {double: 6}
"""


def exercise_yaml(*tests: str) -> str:
    return (
        "title: Double it\n"
        "prompt: Return the number `n` from the event, doubled.\n"
        "handler: lambda_function.lambda_handler\n"
        "timeout: 10\n"  # generous, so a busy test machine never turns a pass into a timeout
        "points: 10\n"
        "wrong:\n"
        "  - {path: wrong/triples, why: multiplies by three}\n"
        "tests:\n" + "".join(tests)
    )


def exercise_files(*tests: str) -> dict[str, str]:
    return {
        "exercise.yaml": exercise_yaml(*(tests or (TEST_N2,))),
        "starter/lambda_function.py": STARTER,
        "solution/lambda_function.py": DOUBLE,
        "wrong/triples/lambda_function.py": TRIPLE,
    }


def publish_doubling(*tests: str) -> Exercise:
    """Sync the lesson with these tests (a second call with other tests makes version 2)."""
    files = {"lesson.md": LESSON_MD}
    for path, text in exercise_files(*tests).items():
        files[f"exercises/double-it/{path}"] = text
    catalog_sync(catalog=Catalog(lessons=[parse_lesson(LESSON_DIR, files)]))
    return Exercise.objects.select_related("current_version", "lesson").get(slug="double-it")


def finished_submission(*, user, exercise, code: str, score: float, minutes_ago: int = 60, **extra):
    from lambdalab.submissions.models import Status, Submission

    attempt = Submission.objects.filter(user=user, exercise=exercise).count() + 1
    created = timezone.now() - timedelta(minutes=minutes_ago)
    submission = Submission.objects.create(
        user=user,
        exercise=exercise,
        exercise_version=exercise.current_version,
        files={"lambda_function.py": code},
        attempt=attempt,
        status=Status.FINISHED,
        passed=score >= 1,
        score=score,
        points=score * 10,
        max_points=10,
        results=extra.pop("results", {"version": 1, "status": "x", "tests": []}),
        **extra,
    )
    Submission.objects.filter(pk=submission.pk).update(created_at=created)
    submission.refresh_from_db()
    return submission
