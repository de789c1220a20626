from __future__ import annotations

from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "lambdalab.courses"
    label = "courses"
    verbose_name = "Courses, gradebook and regrades"
