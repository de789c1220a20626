from __future__ import annotations

from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "lambdalab.submissions"
    label = "submissions"
    verbose_name = "Runs and submissions"
