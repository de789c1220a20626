"""Shadow regrade: a test change is tried on everyone's work first, applied only when confirmed."""

from __future__ import annotations

import pytest

from lambdalab.accounts.models import User
from lambdalab.courses import regrades, services
from lambdalab.courses.models import ItemStatus, RegradeStatus, ScoreNotice
from lambdalab.submissions.models import Submission
from tests.courses.builders import (
    ADDS_TWO,
    CRASHES,
    DOUBLE,
    TEST_N2,
    TEST_N3,
    finished_submission,
    publish_doubling,
)

CODES = {
    "doubles": (DOUBLE, 1.0, 1.0),
    "adds-two": (ADDS_TWO, 1.0, 0.5),
    "crashes": (CRASHES, 0.0, 0.0),
}


def _regrade_of_one_submission(course, exercise, instructor, student):
    """The student's one finished submission, regraded against a new version of the exercise."""
    finished_submission(user=student, exercise=exercise, code=DOUBLE, score=1.0)
    publish_doubling(TEST_N2, TEST_N3)
    regrade = regrades.regrade_start(course=course, exercise=exercise, requested_by=instructor)
    return regrade, regrade.items.get()


def _class_of(course, size: int) -> list[User]:
    users = User.objects.bulk_create(
        [User(username=f"learner{i:03}", role="student") for i in range(size)]
    )
    for user in users:
        services.course_join(user=user, code=course.join_code)
    return users


@pytest.mark.root
def test_regrade_of_200_submissions_accounts_for_every_score_and_diffs_only_the_lucky_ones(
    course, doubling, instructor, runtime, enqueued, django_capture_on_commit_callbacks
):
    learners = _class_of(course, 50)
    kinds = list(CODES)
    expected = {}
    for i, learner in enumerate(learners):
        for attempt in range(4):  # 50 learners × 4 attempts = 200 submissions
            kind = kinds[(i + attempt) % 3]
            code, old, new = CODES[kind]
            s = finished_submission(
                user=learner, exercise=doubling, code=code, score=old, minutes_ago=100 - attempt
            )
            expected[s.pk] = (old, new)
    before = {s.pk: (s.score, s.results, s.exercise_version_id) for s in Submission.objects.all()}

    v2 = publish_doubling(TEST_N2, TEST_N3).current_version
    assert v2.number == 2
    with django_capture_on_commit_callbacks(execute=True):
        regrade = regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)

    assert len(enqueued) == 200 and {q for _, _, q in enqueued} == {"batch"}
    assert regrades.regrade_progress(regrade=regrade).done == 0
    for _, item_id, _ in enqueued:
        assert regrades.regrade_item_grade(item_id=item_id, runtime=runtime) is True
    assert regrades.regrade_item_grade(item_id=enqueued[0][1], runtime=runtime) is False

    regrade.refresh_from_db()
    progress = regrades.regrade_progress(regrade=regrade)
    assert regrade.status == RegradeStatus.READY
    assert (progress.total, progress.done, progress.errors) == (200, 200, 0)
    items = {i.submission_id: i for i in regrade.items.all()}
    assert set(items) == set(expected)
    assert {pk: (i.old_score, i.new_score) for pk, i in items.items()} == expected
    assert progress.changed == sum(1 for old, new in expected.values() if old != new)
    # Nothing a student can see has changed yet.
    after = {s.pk: (s.score, s.results, s.exercise_version_id) for s in Submission.objects.all()}
    assert after == before

    diff = {
        c.user.username: (c.old_best, c.new_best) for c in regrades.regrade_diff(regrade=regrade)
    }
    assert len(diff) == 50
    for i, learner in enumerate(learners):
        mine = [expected[s.pk] for s in Submission.objects.filter(user=learner)]
        assert diff[learner.username] == (max(o for o, _ in mine), max(n for _, n in mine))

    changed = regrades.regrade_apply(regrade=regrade, user=instructor)

    assert changed == progress.changed
    for submission in Submission.objects.all():
        assert submission.score == expected[submission.pk][1]
        assert submission.exercise_version_id == v2.pk
    noticed = set(ScoreNotice.objects.values_list("submission_id", flat=True))
    assert noticed == {pk for pk, (old, new) in expected.items() if old != new}
    with pytest.raises(services.CourseError):
        regrades.regrade_apply(regrade=regrade, user=instructor)


def test_regrade_only_touches_submissions_by_the_courses_students(
    course, doubling, instructor, other_instructor, student, enqueued
):
    outsider = User.objects.create_user(username="outsider", password="x", role="student")
    finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0)
    finished_submission(user=outsider, exercise=doubling, code=DOUBLE, score=1.0)
    publish_doubling(TEST_N2, TEST_N3)

    regrade = regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)

    assert list(regrade.items.values_list("submission__user__username", flat=True)) == ["ada"]


def test_an_item_whose_sandbox_keeps_failing_is_reported_and_the_regrade_still_finishes(
    course, doubling, instructor, student, enqueued, monkeypatch
):
    regrade, item = _regrade_of_one_submission(course, doubling, instructor, student)

    def broken(item, runtime):
        raise RuntimeError("zygote died")

    monkeypatch.setattr(regrades, "_grade", broken)
    for _ in range(regrades.MAX_DELIVERIES):
        assert regrades.regrade_item_grade(item_id=item.pk) is True

    item.refresh_from_db()
    regrade.refresh_from_db()
    assert item.status == ItemStatus.ERROR and "zygote died" in item.error_message
    assert regrade.status == RegradeStatus.READY
    # Each failure but the last was sent again, with a back-off (the first send is on commit).
    assert len(enqueued) == regrades.MAX_DELIVERIES - 1


def _shadow_graded(regrade, new_score: float):
    """As if the worker had graded every item of `regrade` to `new_score`."""
    regrade.items.update(status=ItemStatus.FINISHED, new_score=new_score, new_results={})
    regrade.status = RegradeStatus.READY
    regrade.save(update_fields=["status"])


def test_a_second_regrade_of_an_exercise_waits_until_the_first_is_applied_or_discarded(
    course, doubling, instructor, student, enqueued
):
    first, _ = _regrade_of_one_submission(course, doubling, instructor, student)

    with pytest.raises(services.CourseError, match=f"Regrade {first.pk} .* still running"):
        regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)
    _shadow_graded(first, 0.5)
    with pytest.raises(services.CourseError, match="ready to review: apply or discard it"):
        regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)

    regrades.regrade_discard(regrade=first)
    second = regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)
    assert second.items.count() == 1


def test_a_regrade_overtaken_by_another_courses_regrade_cannot_roll_scores_back(
    course, doubling, instructor, other_instructor, student, enqueued
):
    """Ada takes the exercise in two courses; the other course's regrade is applied first."""
    other = services.course_create(owner=other_instructor, title="Cloud 201")
    services.course_join(user=student, code=other.join_code)
    services.assignment_set(course=other, exercise=doubling, points=10)
    s = finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0)
    publish_doubling(TEST_N2, TEST_N3)
    ours = regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)
    theirs = regrades.regrade_start(course=other, exercise=doubling, requested_by=other_instructor)
    _shadow_graded(ours, 0.5)
    _shadow_graded(theirs, 0.25)

    regrades.regrade_apply(regrade=theirs, user=other_instructor)
    with pytest.raises(services.CourseError, match="changed since this regrade was made"):
        regrades.regrade_apply(regrade=ours, user=instructor)

    s.refresh_from_db()
    ours.refresh_from_db()
    assert s.score == 0.25 and ScoreNotice.objects.count() == 1
    assert ours.status == RegradeStatus.READY  # still there to discard


def test_there_is_nothing_to_regrade_when_every_submission_has_the_current_version(
    course, doubling, instructor, student
):
    finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0)

    with pytest.raises(services.CourseError, match="already graded against v1"):
        regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)


def test_discarded_regrade_changes_nothing_and_cannot_be_applied(
    course, doubling, instructor, student, enqueued
):
    s = finished_submission(user=student, exercise=doubling, code=ADDS_TWO, score=1.0)
    publish_doubling(TEST_N2, TEST_N3)
    regrade = regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)

    regrades.regrade_discard(regrade=regrade)

    with pytest.raises(services.CourseError):
        regrades.regrade_apply(regrade=regrade, user=instructor)
    s.refresh_from_db()
    assert s.score == 1.0 and not ScoreNotice.objects.exists()


def test_the_reaper_resends_regrade_items_whose_message_was_lost(
    course, doubling, instructor, student, enqueued, settings
):
    """Redis restarted during a class-wide regrade: the periodic sweep sends the items again."""
    from datetime import timedelta

    from django.utils import timezone

    regrade, item = _regrade_of_one_submission(course, doubling, instructor, student)

    assert regrades.regrades_reap().requeued_queued == 0  # just queued: still in the broker
    stale = timezone.now() - timedelta(seconds=settings.JOBS_QUEUED_STALE_SECONDS + 1)
    regrade.items.update(enqueued_at=stale)
    report = regrades.regrades_reap()

    assert report.requeued_queued == 1
    assert enqueued == [("courses.regrade_item", item.pk, "batch")]
    assert regrades.regrades_reap().requeued_queued == 0  # not sent twice in a row


def test_the_reaper_requeues_an_item_whose_worker_died_and_gives_up_after_repeated_deaths(
    course, doubling, instructor, student, enqueued
):
    from datetime import timedelta

    from django.utils import timezone

    regrade, item = _regrade_of_one_submission(course, doubling, instructor, student)
    long_ago = timezone.now() - timedelta(hours=2)

    for delivery in range(1, regrades.MAX_DELIVERIES + 1):
        assert regrades._claim(item.pk) is not None  # a worker took it ...
        regrade.items.update(started_at=long_ago)  # ... and was SIGKILLed long ago
        report = regrades.regrades_reap()
        item.refresh_from_db()
        if delivery < regrades.MAX_DELIVERIES:
            assert report.requeued_running == 1 and item.status == ItemStatus.QUEUED
        else:
            assert report.failed == 1 and item.status == ItemStatus.ERROR

    regrade.refresh_from_db()
    assert "several times" in item.error_message
    assert regrade.status == RegradeStatus.READY  # the instructor can still review and apply
    assert len(enqueued) == regrades.MAX_DELIVERIES - 1


def test_the_reaper_leaves_a_regrade_that_is_still_running_alone(
    course, doubling, instructor, student, enqueued
):
    regrade, item = _regrade_of_one_submission(course, doubling, instructor, student)
    token = regrades._claim(item.pk)

    assert regrades.regrades_reap() == regrades.RegradeReapReport(0, 0, 0)
    item.refresh_from_db()
    assert item.status == ItemStatus.RUNNING and item.claim_token == token


def test_celery_beat_sweeps_regrades_like_submissions_and_cloud_jobs():
    from django.conf import settings

    from lambdalab.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "submissions.reap_stuck_jobs",
        "cloud.reap_stuck_jobs",
        "courses.reap_stuck_regrades",
    } <= scheduled
    app.loader.import_default_modules()
    assert scheduled <= set(app.tasks)
