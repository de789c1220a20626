from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lambdalab.core"
    label = "core"
    verbose_name = "LambdaLab core"

    def ready(self) -> None:
        # Load the Celery app with Django so @shared_task binds to it in web and worker alike.
        import lambdalab.celery  # noqa: F401
