from __future__ import annotations

from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    name = "lambdalab.authoring"
    label = "authoring"
    verbose_name = "In-browser authoring"
