"""Names, ARNs and guardrails: what LambdaLab will create in a learner's account, checked first.

Every check raises GuardrailError with a message for the learner; nothing reaches AWS unchecked.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings

PREFIX = "lambdalab-"
OWNER_TAG = "lambdalab:owner"
EXERCISE_TAG = "lambdalab:exercise"
MAX_NAME = 64  # Lambda's limit; EventBridge rule names share it
_INVALID = re.compile(r"[^a-zA-Z0-9-_]+")
ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
# cron with a fixed minute fires at most hourly: a forgotten schedule costs pennies, not dollars.
CRON = re.compile(r"^cron\(\d{1,2} \S+ \S+ \S+ \S+ \S+\)$")
MIN_RATE_MINUTES = 5


class GuardrailError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clean(text: str) -> str:
    return _INVALID.sub("-", text).strip("-_") or "x"


def function_name(*, learner: str, exercise: str) -> str:
    """`lambdalab-<learner>-<exercise>` within Lambda's rules; a digest keeps long names unique."""
    name = f"{PREFIX}{_clean(learner)}-{_clean(exercise)}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9].rstrip('-_')}-{digest}"


def owner_tag(user) -> str:
    """Stable across username changes: the tag teardown looks for."""
    return f"user-{user.pk}"


def check_region(region: str) -> str:
    if region not in settings.CLOUD_REGIONS:
        allowed = ", ".join(settings.CLOUD_REGIONS)
        raise GuardrailError(f"LambdaLab deploys only to these regions: {allowed}.")
    return region


def check_role_arn(arn: str, *, account_id: str = "", what: str = "execution role") -> str:
    arn = arn.strip()
    match = ROLE_ARN.match(arn)
    if not match:
        raise GuardrailError(
            f"The {what} must be an IAM role ARN, like arn:aws:iam::123456789012:role/my-role."
        )
    if account_id and match.group(2) != account_id:
        raise GuardrailError(f"The {what} must be in your connected account {account_id}.")
    return arn


def check_memory_timeout(*, memory: int, timeout: int) -> None:
    if not 128 <= memory <= settings.CLOUD_MAX_MEMORY_MB:
        raise GuardrailError(
            f"Memory must be between 128 and {settings.CLOUD_MAX_MEMORY_MB} MB "
            "when deploying from LambdaLab."
        )
    if not 1 <= timeout <= settings.CLOUD_MAX_TIMEOUT_SECONDS:
        raise GuardrailError(
            f"Timeout must be between 1 and {settings.CLOUD_MAX_TIMEOUT_SECONDS} "
            "seconds when deploying from LambdaLab."
        )


def check_runtime(*, runtime: str, architecture: str) -> None:
    from lambdalab.runtime.config import ARCHITECTURES, RUNTIMES

    if runtime not in RUNTIMES:
        raise GuardrailError(f"LambdaLab deploys these runtimes: {', '.join(RUNTIMES)}.")
    if architecture not in ARCHITECTURES:
        raise GuardrailError(f"The architecture is one of {', '.join(ARCHITECTURES)}.")


def check_trigger(trigger: dict[str, Any] | None) -> dict[str, Any] | None:
    if not trigger or not trigger.get("type"):
        return None
    if trigger["type"] == "s3":
        bucket = str(trigger.get("bucket", "")).strip()
        if not BUCKET.match(bucket):
            raise GuardrailError("Give the name of an S3 bucket in your account, e.g. my-uploads.")
        return {"type": "s3", "bucket": bucket, "events": ["s3:ObjectCreated:*"]}
    if trigger["type"] == "schedule":
        return {"type": "schedule", "expression": _check_schedule(trigger.get("expression", ""))}
    raise GuardrailError("A trigger is an S3 bucket or an EventBridge schedule.")


def _check_schedule(expression: str) -> str:
    expression = str(expression).strip()
    rate = RATE.match(expression)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        if unit.startswith("minute") and amount < MIN_RATE_MINUTES:
            raise GuardrailError(
                f"Schedules from LambdaLab run at most every {MIN_RATE_MINUTES} "
                "minutes, e.g. rate(5 minutes)."
            )
        if amount < 1 or (amount == 1) != (not unit.endswith("s")):
            raise GuardrailError("Write rate(1 hour) or rate(5 minutes): singular for 1 only.")
        return expression
    if CRON.match(expression):
        return expression
    raise GuardrailError(
        "A schedule is rate(5 minutes), rate(1 hour) or cron(0 12 * * ? *) with a fixed minute."
    )
