"""The Celery application. Tasks live next to the services they call (``<app>/tasks.py``)."""

from __future__ import annotations

import os
import threading

from celery import Celery
from celery.signals import worker_process_init
from kombu import Queue

import lambdalab.broker  # noqa: F401  registers the safefs:// transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lambdalab.settings")

app = Celery("lambdalab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("interactive", "graded", "batch", "deploy")]
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_sandbox_parts(**_) -> None:
    """Start this pool process's mock-AWS host in the background, before its first job.

    Starting it costs seconds (moto imports); Celery gives process init only a few, so a thread
    does it and the first job that needs it waits on the same lock instead of starting another.
    """
    from lambdalab.mockaws.account import warm_host

    threading.Thread(target=warm_host, name="warm-mock-aws", daemon=True).start()
