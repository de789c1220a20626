"""Nothing is lost: killed workers, a restarted Redis and duplicate deliveries."""

from __future__ import annotations

import os
import signal

import pytest
from django.test import override_settings

from lambdalab.submissions import services, tasks
from lambdalab.submissions.models import Run, Status
from tests import stack
from tests.submissions.conftest import SLEEPY, publishing_to

pytestmark = [pytest.mark.slow, pytest.mark.root, pytest.mark.django_db(transaction=True)]


def _queue_run(user, *, n: int, sleep: float = 0.0, timeout: int = 3) -> Run:
    return services.run_create(
        user=user, files=SLEEPY, event={"n": n, "sleep": sleep}, config={"timeout": timeout}
    )


def _finished(*runs: Run) -> bool:
    return Run.objects.filter(pk__in=[r.pk for r in runs], status=Status.FINISHED).count() == len(
        runs
    )


def _worker_pids(proc) -> list[int]:
    return [proc.pid]


@override_settings(JOBS_RUNNING_GRACE_SECONDS=0, JOBS_IN_FLIGHT_PER_LEARNER=50)
def test_a_worker_killed_mid_job_loses_nothing(student, redis_broker, tmp_path):
    env = stack.process_env(broker_url=redis_broker, var_dir=tmp_path)
    slow = _queue_run(student, n=1, sleep=2.5, timeout=3)
    quick = _queue_run(student, n=2)

    with stack.running(stack.worker_command(name="doomed"), env, tmp_path / "w1.log") as worker:
        stack.wait_for(
            lambda: Run.objects.filter(pk=slow.pk, status=Status.RUNNING).exists(),
            timeout=60,
            what="the slow run to start",
            log=tmp_path / "w1.log",
        )
        os.killpg(worker.pid, signal.SIGKILL)  # the whole worker: main process and pool child

    slow.refresh_from_db()
    assert slow.status == Status.RUNNING  # stranded: its worker is gone

    with stack.running(stack.worker_command(name="rescuer"), env, tmp_path / "w2.log"):

        def reaped_and_done() -> bool:
            services.jobs_reap()  # what celery beat does every 30 s
            return _finished(slow, quick)

        stack.wait_for(
            reaped_and_done, timeout=90, what="both runs to finish", log=tmp_path / "w2.log"
        )

    slow.refresh_from_db()
    assert slow.record["payload"] == {"echo": 1}
    assert slow.deliveries == 2  # claimed by the dead worker, then once more by the rescuer
    assert Run.objects.get(pk=quick.pk).record["payload"] == {"echo": 2}


@override_settings(JOBS_QUEUED_STALE_SECONDS=0)
def test_jobs_queued_when_redis_restarts_still_finish(student, private_redis, tmp_path):
    with publishing_to(private_redis.url):
        runs = [_queue_run(student, n=i) for i in range(3)]  # no worker yet: they wait in Redis
        private_redis.stop()  # Redis keeps nothing on disk: the queue is gone
        private_redis.start()

        env = stack.process_env(broker_url=private_redis.url, var_dir=tmp_path)
        with stack.running(stack.worker_command(name="after-restart"), env, tmp_path / "w.log"):

            def reaped_and_done() -> bool:
                services.jobs_reap()
                return _finished(*runs)

            stack.wait_for(
                reaped_and_done, timeout=90, what="the runs to finish", log=tmp_path / "w.log"
            )

    for i, run in enumerate(runs):
        run.refresh_from_db()
        assert run.record["payload"] == {"echo": i}


def test_duplicate_deliveries_run_a_job_once(student, redis_broker, tmp_path):
    run = _queue_run(student, n=7)
    for _ in range(3):  # the same job id delivered three more times
        tasks.execute_run.apply_async([run.pk], queue="interactive")

    env = stack.process_env(broker_url=redis_broker, var_dir=tmp_path)
    with stack.running(stack.worker_command(concurrency=2), env, tmp_path / "w.log"):
        stack.wait_for(lambda: _finished(run), timeout=60, what="the run", log=tmp_path / "w.log")
        import redis

        client = redis.Redis.from_url(redis_broker)
        stack.wait_for(
            lambda: client.llen("interactive") == 0,
            timeout=30,
            what="the duplicates to be consumed",
        )

    run.refresh_from_db()
    assert run.deliveries == 1
    assert run.record["payload"] == {"echo": 7}
