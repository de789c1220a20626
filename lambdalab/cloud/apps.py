from __future__ import annotations

from django.apps import AppConfig


class CloudConfig(AppConfig):
    """Deploying a learner's handler to their own AWS sandbox account, side by side with local."""

    name = "lambdalab.cloud"
    label = "cloud"
    verbose_name = "Cloud (learner AWS accounts)"
