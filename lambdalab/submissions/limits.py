"""Back-pressure: per-learner limits, the exercise's attempt policy and a global queue bound.

Every number the checks need is read in one statement (`load_get`): Test and Submit pass through
here on every click, and building the six counts as ORM querysets cost ~5 ms of CPU per request
(the counts themselves take a fraction of a millisecond in the database). Times are read only
when a check refuses and has to say how long to wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from lambdalab.submissions.errors import Refused
from lambdalab.submissions.models import PENDING, Run, Status, Submission

RATE_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class Load:
    """What the limits look at, read at one moment."""

    user_id: int
    exercise_id: int | None
    pending: int  # this learner's runs and submissions waiting or running
    queued: int  # every queued run and submission on the site
    recent: int = 0  # this learner's submissions in the last RATE_WINDOW
    attempts: int = 0  # counted attempts at the exercise (an infrastructure error is not one)
    cooling: int = 0  # counted attempts within the exercise's cooldown


def load_get(*, user, exercise=None, cooldown_seconds: int = 0) -> Load:
    """The learner's and the site's load in one query; the attempt figures need `exercise`."""
    now = timezone.now()
    run, sub = _table(Run), _table(Submission)
    mine = "user_id = %s"
    counts = [
        _count(run, f"{mine} AND status IN (%s, %s)", user.pk, *PENDING),
        _count(sub, f"{mine} AND status IN (%s, %s)", user.pk, *PENDING),
        _count(run, "status = %s", Status.QUEUED),
        _count(sub, "status = %s", Status.QUEUED),
    ]
    if exercise is not None:
        counted = f"{mine} AND exercise_id = %s AND status <> %s"
        attempt = (user.pk, exercise.pk, Status.ERROR)
        cooldown_start = now - timedelta(seconds=cooldown_seconds)
        counts += [
            _count(sub, f"{mine} AND created_at >= %s", user.pk, _db_time(now - RATE_WINDOW)),
            _count(sub, counted, *attempt),
            _count(sub, f"{counted} AND created_at > %s", *attempt, _db_time(cooldown_start)),
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(sql for sql, _ in counts), [p for _, ps in counts for p in ps]
        )
        row = [int(n) for n in cursor.fetchone()]
    return Load(
        user_id=user.pk,
        exercise_id=exercise.pk if exercise is not None else None,
        pending=row[0] + row[1],
        queued=row[2] + row[3],
        **dict(zip(("recent", "attempts", "cooling"), row[4:], strict=False)),
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _count(table: str, where: str, *params) -> tuple[str, tuple]:
    """A COUNT(*) as a scalar subquery, so all of them share one round trip."""
    # Table names come from the models and every value is a parameter.
    return f"(SELECT COUNT(*) FROM {table} WHERE {where})", params  # noqa: S608


def _db_time(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def check_in_flight(load: Load) -> None:
    if load.pending >= settings.JOBS_IN_FLIGHT_PER_LEARNER:
        raise Refused(
            f"Busy — you already have {load.pending} jobs waiting or running. Retrying in 3 s.",
            retry_after=3,
        )


def check_queue_bound(load: Load) -> None:
    if load.queued >= settings.JOBS_QUEUE_BOUND:
        raise Refused("LambdaLab is very busy — retrying in 10 s.", retry_after=10)


def check_submission_rate(load: Load) -> None:
    if load.recent >= settings.SUBMISSIONS_PER_MINUTE:
        window = timezone.now() - RATE_WINDOW
        recent = Submission.objects.filter(user_id=load.user_id, created_at__gte=window)
        oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
        wait = _seconds_until((oldest or timezone.now()) + RATE_WINDOW)
        limit = settings.SUBMISSIONS_PER_MINUTE
        raise Refused(
            f"You have submitted {load.recent} times in the last minute, across all exercises "
            f"(the limit is {limit} a minute). Wait {wait} s before submitting again.",
            retry_after=wait,
        )


def check_attempt_policy(load: Load, *, max_attempts: int, cooldown_seconds: int) -> int:
    """Return the number this attempt will get, or refuse it. `load` was read for the exercise
    with the same `cooldown_seconds`."""
    if max_attempts and load.attempts >= max_attempts:
        raise Refused(f"You have used all {max_attempts} attempts for this exercise.")
    if load.cooling and cooldown_seconds:
        counted = Submission.objects.filter(user_id=load.user_id, exercise_id=load.exercise_id)
        last = (
            counted.exclude(status=Status.ERROR)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        ready_at = (last or timezone.now()) + timedelta(seconds=cooldown_seconds)
        wait = _seconds_until(ready_at)
        raise Refused(
            f"This exercise asks for {cooldown_seconds} s between attempts. "
            f"Wait {wait} s before submitting again.",
            retry_after=wait,
        )
    return load.attempts + 1


def _seconds_until(moment) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))
