"""The Celery application. Tasks live next to the services they call (``<app>/tasks.py``)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

import lambdalab.broker  # noqa: F401  registers the safefs:// transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lambdalab.settings")

app = Celery("lambdalab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("interactive", "graded", "batch", "deploy")]
app.autodiscover_tasks()
