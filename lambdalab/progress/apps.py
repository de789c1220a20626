from __future__ import annotations

from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "lambdalab.progress"
    label = "progress"
    verbose_name = "Learner progress"
