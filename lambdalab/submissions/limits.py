"""Back-pressure: per-learner limits, the exercise's attempt policy and a global queue bound."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lambdalab.submissions.errors import Refused
from lambdalab.submissions.models import PENDING, Run, Status, Submission


def check_in_flight(*, user) -> None:
    limit = settings.JOBS_IN_FLIGHT_PER_LEARNER
    pending = (
        Run.objects.filter(user=user, status__in=PENDING).count()
        + Submission.objects.filter(user=user, status__in=PENDING).count()
    )
    if pending >= limit:
        raise Refused(
            f"Busy — you already have {pending} jobs waiting or running. Retrying in 3 s.",
            retry_after=3,
        )


def check_queue_bound() -> None:
    queued = (
        Run.objects.filter(status=Status.QUEUED).count()
        + Submission.objects.filter(status=Status.QUEUED).count()
    )
    if queued >= settings.JOBS_QUEUE_BOUND:
        raise Refused("LambdaLab is very busy — retrying in 10 s.", retry_after=10)


def check_submission_rate(*, user) -> None:
    window = timezone.now() - timedelta(seconds=60)
    recent = Submission.objects.filter(user=user, created_at__gte=window).order_by("created_at")
    if recent.count() >= settings.SUBMISSIONS_PER_MINUTE:
        oldest = recent.first().created_at
        wait = _seconds_until(oldest + timedelta(seconds=60))
        raise Refused(f"Wait {wait} s before submitting again.", retry_after=wait)


def check_attempt_policy(*, user, exercise, max_attempts: int, cooldown_seconds: int) -> int:
    """Return the number this attempt will get, or refuse it."""
    counted = Submission.objects.filter(user=user, exercise=exercise).exclude(status=Status.ERROR)
    used = counted.count()
    if max_attempts and used >= max_attempts:
        raise Refused(f"You have used all {max_attempts} attempts for this exercise.")
    last = counted.order_by("-created_at").first()
    if last and cooldown_seconds:
        ready_at = last.created_at + timedelta(seconds=cooldown_seconds)
        if ready_at > timezone.now():
            wait = _seconds_until(ready_at)
            raise Refused(f"Wait {wait} s before submitting again.", retry_after=wait)
    return used + 1


def _seconds_until(moment) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))
