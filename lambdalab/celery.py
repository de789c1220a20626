"""The Celery application. Tasks live next to the services they call (``<app>/tasks.py``)."""

from __future__ import annotations

import os
import sys
import threading

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init
from kombu import Queue

import lambdalab.broker  # noqa: F401  registers the safefs:// transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lambdalab.settings")

app = Celery("lambdalab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("interactive", "graded", "batch", "deploy")]
app.autodiscover_tasks()
# Celery's Django fix-up closes the database connection around every task unless this is set, so
# each job paid for a new PostgreSQL connection (a backend process forks for each: ~10 ms). The
# fix-up now never closes it; Django's own rules decide instead, as they do for web requests.
app.conf.CELERY_DB_REUSE_MAX = sys.maxsize


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(task=None, **_) -> None:
    """Drop a connection that is broken or older than CONN_MAX_AGE, at each task's start and end.

    With CONN_HEALTH_CHECKS a reused connection is pinged before its first query, so a restarted
    database costs no task. Tasks run eagerly (tests) share the caller's transaction: leave it.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect
def _warm_sandbox_parts(**_) -> None:
    """Start this pool process's mock-AWS host in the background, before its first job.

    Starting it costs seconds (moto imports); Celery gives process init only a few, so a thread
    does it and the first job that needs it waits on the same lock instead of starting another.
    """
    from lambdalab.mockaws.account import warm_host

    threading.Thread(target=warm_host, name="warm-mock-aws", daemon=True).start()
