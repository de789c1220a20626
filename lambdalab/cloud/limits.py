"""Per-learner rate limits and one-at-a-time rules for cloud jobs (GuardrailError says why)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lambdalab.cloud.models import PENDING, CloudInvocation, Deployment, Teardown
from lambdalab.cloud.naming import GuardrailError


def check_deploy_rate(user, function_name: str) -> None:
    check_not_pending(
        Teardown.objects.filter(user=user),
        "A teardown is running; deploy again when it has finished.",
    )
    check_not_pending(
        Deployment.objects.filter(user=user, function_name=function_name),
        "This function is already being deployed; wait for it to finish.",
    )
    since = timezone.now() - timedelta(hours=1)
    recent = Deployment.objects.filter(user=user, created_at__gte=since).count()
    if recent >= settings.CLOUD_DEPLOYS_PER_HOUR:
        raise GuardrailError(
            f"You can deploy {settings.CLOUD_DEPLOYS_PER_HOUR} times an hour; try again later."
        )


def check_not_pending(queryset, message: str) -> None:
    if queryset.filter(status__in=PENDING).exists():
        raise GuardrailError(message)


def check_invoke_rate(user) -> None:
    since = timezone.now() - timedelta(minutes=1)
    if CloudInvocation.objects.filter(user=user, created_at__gte=since).count() >= (
        settings.CLOUD_INVOKES_PER_MINUTE
    ):
        raise GuardrailError(
            f"You can invoke {settings.CLOUD_INVOKES_PER_MINUTE} times a "
            "minute in your account; wait a moment."
        )
