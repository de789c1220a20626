"""Shadow regrades: grade every submission again against a newer version, review, then apply.

Each submission gets a RegradeItem graded by a thin task on the `batch` queue (so a class-wide
regrade never delays a learner's Test click). Items are claimed atomically, like submissions;
a duplicate delivery does nothing. Submissions are written only by `regrade_apply`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from lambdalab.core.jobs import job_claim
from lambdalab.courses.models import (
    Course,
    ItemStatus,
    Regrade,
    RegradeItem,
    RegradeStatus,
    ScoreNotice,
)
from lambdalab.courses.services import CourseError

logger = logging.getLogger(__name__)
MAX_DELIVERIES = 3


def regrade_start(*, course: Course, exercise, requested_by, version=None) -> Regrade:
    """Queue a shadow grade of every finished submission by the course's students.

    `version` defaults to the exercise's current version; submissions already graded against
    it are left out (there is nothing to compare).
    """
    exercise.refresh_from_db(fields=["current_version"])  # a publish may have just happened
    version = version or exercise.current_version
    submissions = regradable(course=course, exercise=exercise, version=version)
    with transaction.atomic():
        Course.objects.select_for_update().filter(pk=course.pk).first()  # one start at a time
        pending = regrade_pending(course=course, exercise=exercise)
        if pending is not None:
            state = (
                "still running" if pending.status == RegradeStatus.RUNNING else "ready to review"
            )
            raise CourseError(
                f"Regrade {pending.pk} of this exercise is {state}: apply or discard it before "
                "starting another, so two regrades never overwrite each other."
            )
        to_grade = list(submissions.order_by("pk").distinct())
        if not to_grade:
            raise CourseError(
                f"Every submission by this course's students is already graded against "
                f"v{version.number}: there is nothing to regrade."
            )
        regrade = Regrade.objects.create(
            exercise=exercise, version=version, course=course, requested_by=requested_by
        )
        items = RegradeItem.objects.bulk_create([_item(regrade, s) for s in to_grade])
        ids = [item.pk for item in items]
        transaction.on_commit(lambda: _enqueue(ids))
    return regrade


def regrade_pending(*, course: Course, exercise) -> Regrade | None:
    """The course's regrade of `exercise` that is running or waiting for review, if any."""
    return Regrade.objects.filter(
        course=course,
        exercise=exercise,
        status__in=[RegradeStatus.RUNNING, RegradeStatus.READY],
    ).first()


def regradable(*, course: Course, exercise, version=None):
    """Finished submissions by the course's students graded against another version."""
    from lambdalab.submissions.models import Status, Submission

    version = version or exercise.current_version
    return Submission.objects.filter(
        exercise=exercise,
        status=Status.FINISHED,
        user__enrolments__course=course,
    ).exclude(exercise_version=version)


def _item(regrade: Regrade, submission) -> RegradeItem:
    return RegradeItem(
        regrade=regrade,
        submission=submission,
        old_version_id=submission.exercise_version_id,
        old_score=submission.score,
        old_points=submission.points,
        old_passed=submission.passed,
        old_results=submission.results,
    )


def _enqueue(item_ids: list[int], *, countdown: int = 0) -> None:
    from lambdalab.courses import tasks

    for item_id in item_ids:
        tasks.regrade_item.apply_async([item_id], queue="batch", countdown=countdown)


def _claim(item_id: int) -> str | None:
    return job_claim(RegradeItem, item_id)


def regrade_item_grade(*, item_id: int, runtime: Any = None) -> bool:
    """Grade one item against the regrade's version. False when another delivery has it."""
    token = _claim(item_id)
    if token is None:
        return False
    item = RegradeItem.objects.select_related(
        "regrade__version__exercise__lesson", "submission"
    ).get(pk=item_id)
    try:
        fields = _grade(item, runtime)
    except Exception as exc:  # the sandbox broke: retry a few times, then report it
        logger.exception("regrade item %s: infrastructure error", item_id)
        _retry_or_fail(item, token, exc)
        return True
    RegradeItem.objects.filter(pk=item_id, claim_token=token, status=ItemStatus.RUNNING).update(
        status=ItemStatus.FINISHED, finished_at=timezone.now(), **fields
    )
    _mark_ready_when_done(item.regrade_id)
    return True


def _grade(item: RegradeItem, runtime: Any) -> dict[str, Any]:
    from lambdalab.catalog.grading import grade_exercise
    from lambdalab.submissions import sandbox

    submission = item.submission
    result = grade_exercise(
        item.regrade.version.content(),
        submission.files,
        runtime=runtime or sandbox.get_runtime(),
        owner=f"user-{submission.user_id}",
        config_overrides=_allowed_config(item, submission.config),
    )
    if result.status == "error" and (result.error or {}).get("kind") == "infrastructure":
        raise RuntimeError(result.error["message"])
    return {
        "new_score": result.score,
        "new_points": result.points,
        "new_max_points": result.max_points,
        "new_passed": result.status == "passed",
        "new_results": json.loads(json.dumps(result.to_dict(), default=str)),
        "error_message": "",
    }


def _allowed_config(item: RegradeItem, config: dict | None) -> dict | None:
    """The learner's config changes that the new version still allows (others are dropped)."""
    allowed = set(item.regrade.version.content().configurable)
    kept = {k: v for k, v in (config or {}).items() if k in allowed}
    return kept or None


def _retry_or_fail(item: RegradeItem, token: str, exc: Exception) -> None:
    mine = RegradeItem.objects.filter(pk=item.pk, claim_token=token, status=ItemStatus.RUNNING)
    if item.deliveries >= MAX_DELIVERIES:
        mine.update(status=ItemStatus.ERROR, finished_at=timezone.now(), error_message=str(exc))
        _mark_ready_when_done(item.regrade_id)
    elif mine.update(
        status=ItemStatus.QUEUED,
        claim_token="",
        error_message=str(exc),
        enqueued_at=timezone.now() + timedelta(seconds=2**item.deliveries),
    ):
        _enqueue([item.pk], countdown=2**item.deliveries)


def _mark_ready_when_done(regrade_id: int) -> None:
    pending = RegradeItem.objects.filter(
        regrade_id=regrade_id, status__in=[ItemStatus.QUEUED, ItemStatus.RUNNING]
    )
    if not pending.exists():
        Regrade.objects.filter(pk=regrade_id, status=RegradeStatus.RUNNING).update(
            status=RegradeStatus.READY
        )


def regrade_resume(*, regrade: Regrade, stale_after: timedelta = timedelta(minutes=5)) -> int:
    """Re-enqueue items whose message was lost or whose worker died. Returns how many."""
    now = timezone.now()
    stuck = regrade.items.filter(
        Q(status=ItemStatus.QUEUED) | Q(status=ItemStatus.RUNNING, started_at__lt=now - stale_after)
    )
    ids = list(stuck.values_list("pk", flat=True))
    regrade.items.filter(pk__in=ids, status=ItemStatus.RUNNING).update(
        status=ItemStatus.QUEUED, claim_token=""
    )
    regrade.items.filter(pk__in=ids).update(enqueued_at=now)
    _enqueue(ids)
    return len(ids)


@dataclass(frozen=True)
class RegradeReapReport:
    requeued_queued: int
    requeued_running: int
    failed: int


def regrades_reap() -> RegradeReapReport:
    """The periodic sweep (celery beat): every regrade item reaches a final state.

    An item queued for longer than JOBS_QUEUED_STALE_SECONDS lost its message (Redis restarted)
    and is sent again; one running past its tests' worst case lost its worker and is queued
    again, or marked an error after MAX_DELIVERIES. Re-sending is safe: a duplicate message
    finds the item claimed and does nothing.
    """
    from django.conf import settings

    from lambdalab.submissions import sandbox

    now = timezone.now()
    stale_queued = now - timedelta(seconds=settings.JOBS_QUEUED_STALE_SECONDS)
    requeued = []
    for item in RegradeItem.objects.filter(status=ItemStatus.QUEUED, enqueued_at__lt=stale_queued):
        if RegradeItem.objects.filter(pk=item.pk, status=ItemStatus.QUEUED).update(enqueued_at=now):
            requeued.append(item.pk)
    _enqueue(requeued)
    counts = {"running": 0, "failed": 0}
    running = RegradeItem.objects.filter(status=ItemStatus.RUNNING).select_related(
        "regrade__version", "submission"
    )
    for item in running:
        limit = _worst_case_seconds(item, sandbox) + settings.JOBS_RUNNING_GRACE_SECONDS
        if item.started_at + timedelta(seconds=limit) > now:
            continue
        mine = RegradeItem.objects.filter(
            pk=item.pk, status=ItemStatus.RUNNING, claim_token=item.claim_token
        )
        if item.deliveries >= MAX_DELIVERIES:
            if mine.update(
                status=ItemStatus.ERROR,
                finished_at=now,
                error_message="The worker stopped while regrading this, several times.",
            ):
                counts["failed"] += 1
                _mark_ready_when_done(item.regrade_id)
        elif mine.update(status=ItemStatus.QUEUED, claim_token="", enqueued_at=now):
            counts["running"] += 1
            _enqueue([item.pk])
    return RegradeReapReport(len(requeued), counts["running"], counts["failed"])


def _worst_case_seconds(item: RegradeItem, sandbox: Any) -> float:
    """How long grading this item may legitimately take: every invocation at its timeout."""
    exercise = item.regrade.version.content()
    timeout = float((item.submission.config or {}).get("timeout", exercise.timeout))
    invocations = sum(sandbox.test_invocations(test) for test in exercise.tests)
    return invocations * (timeout + 10)


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    errors: int
    changed: int

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


def regrade_progress(*, regrade: Regrade) -> Progress:
    counts = regrade.items.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status__in=[ItemStatus.FINISHED, ItemStatus.ERROR])),
        errors=Count("pk", filter=Q(status=ItemStatus.ERROR)),
        changed=Count("pk", filter=Q(status=ItemStatus.FINISHED) & ~Q(old_score=F("new_score"))),
    )
    return Progress(**counts)


@dataclass(frozen=True)
class StudentChange:
    user: Any
    old_best: float | None
    new_best: float | None
    submissions: int

    @property
    def delta(self) -> float:
        return (self.new_best or 0) - (self.old_best or 0)


def regrade_diff(*, regrade: Regrade) -> list[StudentChange]:
    """Each student's best score (0–1) before and after, biggest change first."""
    by_user: dict[int, dict[str, Any]] = {}
    items = regrade.items.select_related("submission__user")
    for item in items.filter(status=ItemStatus.FINISHED):
        row = by_user.setdefault(
            item.submission.user_id,
            {"user": item.submission.user, "old": None, "new": None, "n": 0},
        )
        row["old"] = _max(row["old"], item.old_score)
        row["new"] = _max(row["new"], item.new_score)
        row["n"] += 1
    changes = [StudentChange(r["user"], r["old"], r["new"], r["n"]) for r in by_user.values()]
    return sorted(changes, key=lambda c: (-abs(c.delta), c.user.username))


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


@transaction.atomic
def regrade_apply(*, regrade: Regrade, user) -> int:
    """Write every finished shadow grade to its submission; notify students whose score moved.

    Only a regrade that is ready (all items done) can be applied, and only once. Returns how
    many submissions changed score.
    """
    if not Regrade.objects.filter(pk=regrade.pk, status=RegradeStatus.READY).update(
        status=RegradeStatus.APPLIED, applied_at=timezone.now()
    ):
        raise CourseError("This regrade is not ready to apply (or was already applied).")
    if _moved_on(regrade).exists():
        # Another regrade (or an older one) was applied since these shadow grades were made:
        # writing them now would roll those scores back.
        raise CourseError(
            "Scores of this exercise changed since this regrade was made (another regrade was "
            "applied): discard it and start a new one."
        )
    changed = 0
    for item in regrade.items.filter(status=ItemStatus.FINISHED).select_related("submission"):
        changed += _apply_item(regrade, item)
    regrade.refresh_from_db()
    return changed


def _moved_on(regrade: Regrade):
    """Finished items whose submission is no longer graded against the version it had then."""
    return regrade.items.filter(status=ItemStatus.FINISHED).exclude(
        submission__exercise_version_id=F("old_version_id")
    )


def _apply_item(regrade: Regrade, item: RegradeItem) -> int:
    from lambdalab.submissions.models import Submission

    Submission.objects.filter(pk=item.submission_id).update(
        exercise_version=regrade.version,
        score=item.new_score,
        points=item.new_points,
        max_points=item.new_max_points,
        passed=item.new_passed,
        results=item.new_results,
    )
    if (item.old_score or 0) == (item.new_score or 0):
        return 0
    ScoreNotice.objects.create(
        user_id=item.submission.user_id,
        regrade=regrade,
        submission=item.submission,
        old_score=item.old_score or 0,
        new_score=item.new_score or 0,
    )
    return 1


def regrade_discard(*, regrade: Regrade) -> None:
    updated = Regrade.objects.filter(
        pk=regrade.pk, status__in=[RegradeStatus.RUNNING, RegradeStatus.READY]
    ).update(status=RegradeStatus.DISCARDED)
    if not updated:
        raise CourseError("An applied regrade cannot be discarded.")
    regrade.items.filter(status=ItemStatus.QUEUED).update(status=ItemStatus.ERROR)


def notices_mark_seen(*, user) -> int:
    return ScoreNotice.objects.filter(user=user, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )
