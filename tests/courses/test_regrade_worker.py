"""The regrade's tasks travel through a real Redis to a real worker that listens only on `batch`."""

from __future__ import annotations

import pytest

from lambdalab.courses import regrades
from lambdalab.courses.models import RegradeStatus
from lambdalab.submissions.models import Submission
from tests import stack
from tests.courses.builders import (
    ADDS_TWO,
    DOUBLE,
    TEST_N2,
    TEST_N3,
    finished_submission,
    publish_doubling,
)
from tests.submissions.conftest import publishing_to

pytestmark = [pytest.mark.slow, pytest.mark.root, pytest.mark.django_db(transaction=True)]


def test_a_batch_worker_grades_the_regrade_and_the_page_reports_it_ready(
    course, doubling, instructor, student, classmate, redis_url, tmp_path
):
    good = finished_submission(user=student, exercise=doubling, code=DOUBLE, score=1.0)
    lucky = finished_submission(user=classmate, exercise=doubling, code=ADDS_TWO, score=1.0)
    publish_doubling(TEST_N2, TEST_N3)
    env = stack.process_env(broker_url=redis_url, var_dir=tmp_path)

    with (
        publishing_to(redis_url),
        stack.running(stack.worker_command(queues="batch", name="batch"), env, tmp_path / "w.log"),
    ):
        regrade = regrades.regrade_start(course=course, exercise=doubling, requested_by=instructor)
        stack.wait_for(
            lambda: regrades.regrade_progress(regrade=regrade).done == 2,
            timeout=90,
            what="the batch worker to regrade both submissions",
            log=tmp_path / "w.log",
        )

    regrade.refresh_from_db()
    assert regrade.status == RegradeStatus.READY
    new = {i.submission_id: i.new_score for i in regrade.items.all()}
    assert new == {good.pk: 1.0, lucky.pk: 0.5}
    assert Submission.objects.get(pk=lucky.pk).score == 1.0  # untouched until applied
