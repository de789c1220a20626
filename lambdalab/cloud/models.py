"""The learner's connected AWS account, and the jobs LambdaLab runs in it.

Every job (verify, deploy, invoke, teardown) shares the pipeline's lifecycle: queued → running →
finished, or error with a message for the learner. Celery carries only ids; a claim token makes
sure only one delivery writes the result. Credentials are stored only as Fernet tokens.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from lambdalab.core.jobs import PENDING, Status


class AuthMode(models.TextChoices):
    NONE = "", "Not connected"
    ROLE = "role", "IAM role (recommended)"
    KEYS = "keys", "Access keys"


class CloudAccount(models.Model):
    """One learner's AWS sandbox account. The ExternalId never changes once made."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cloud_account"
    )
    external_id = models.CharField(max_length=64, unique=True)
    mode = models.CharField(max_length=8, choices=AuthMode.choices, blank=True, default="")
    role_arn = models.CharField(max_length=2048, blank=True)
    region = models.CharField(max_length=32, blank=True)
    execution_role_arn = models.CharField(max_length=2048, blank=True)
    access_key_token = models.TextField(blank=True, help_text="Fernet token, never plain text.")
    secret_key_token = models.TextField(blank=True, help_text="Fernet token, never plain text.")
    aws_account_id = models.CharField(max_length=12, blank=True)
    caller_arn = models.CharField(max_length=2048, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"cloud account of {self.user_id} ({self.mode or 'not connected'})"

    @property
    def is_connected(self) -> bool:
        return bool(self.mode and self.region)


class CloudJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="When its Celery message is due (later for a retry)."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=36, blank=True)
    deliveries = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0, help_text="Throttling retries so far.")
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING


class Verification(CloudJob):
    """sts:GetCallerIdentity plus a check of every permission LambdaLab needs."""

    account = models.ForeignKey(
        CloudAccount, on_delete=models.CASCADE, related_name="verifications"
    )
    report = models.JSONField(null=True, blank=True, help_text="{identity, method, checks: [...]}")

    class Meta(CloudJob.Meta):
        pass

    def __str__(self) -> str:
        return f"verification {self.pk} ({self.status})"

    @property
    def unchecked(self) -> list[dict]:
        return [c for c in (self.report or {}).get("checks", []) if c["result"] == "unchecked"]

    @property
    def all_allowed(self) -> bool:
        checks = (self.report or {}).get("checks", [])
        return bool(checks) and all(c["result"] != "denied" for c in checks)


class Deployment(CloudJob):
    """One deploy (create or update) of a learner's function, ending in a published version."""

    account = models.ForeignKey(CloudAccount, on_delete=models.CASCADE, related_name="deployments")
    exercise = models.ForeignKey(
        "catalog.Exercise", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, help_text="Where the code came from, for people.")
    function_name = models.CharField(max_length=64, db_index=True)
    region = models.CharField(max_length=32)
    files = models.JSONField(help_text="The code snapshot: relative path → source.")
    handler = models.CharField(max_length=200)
    config = models.JSONField(default=dict, help_text="runtime, memory, timeout, environment…")
    execution_role_arn = models.CharField(max_length=2048)
    trigger = models.JSONField(null=True, blank=True, help_text="{type: s3|schedule, …}")
    function_arn = models.CharField(max_length=2048, blank=True)
    version = models.CharField(max_length=20, blank=True)
    code_sha256 = models.CharField(max_length=64, blank=True)
    created_function = models.BooleanField(null=True, blank=True, help_text="Created, not updated.")
    trigger_report = models.JSONField(null=True, blank=True)
    torn_down_at = models.DateTimeField(null=True, blank=True)

    class Meta(CloudJob.Meta):
        pass

    def __str__(self) -> str:
        return f"deployment {self.pk} of {self.function_name} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("cloud_deployment", args=[self.pk])

    @property
    def memory(self) -> int:
        return int(self.config.get("memory", 128))

    @property
    def timeout(self) -> int:
        return int(self.config.get("timeout", 3))

    @property
    def is_live(self) -> bool:
        return self.status == Status.FINISHED and self.torn_down_at is None


class CloudInvocation(CloudJob):
    """One RequestResponse invoke of a published version, with its log tail parsed into a record."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="invocations")
    event = models.JSONField(default=dict)
    record = models.JSONField(null=True, blank=True, help_text="Same keys as a local run's record.")
    executed_version = models.CharField(max_length=20, blank=True)
    local_run = models.ForeignKey(
        "submissions.Run",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The same code and event run locally, for the side-by-side comparison.",
    )

    class Meta(CloudJob.Meta):
        pass

    def __str__(self) -> str:
        return f"cloud invocation {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("cloud_invocation", args=[self.pk])


class Teardown(CloudJob):
    """Delete everything LambdaLab created in the learner's account (found by tag)."""

    account = models.ForeignKey(CloudAccount, on_delete=models.CASCADE, related_name="teardowns")
    regions = models.JSONField(default=list)
    report = models.JSONField(null=True, blank=True, help_text="{functions, permissions, rules…}")

    class Meta(CloudJob.Meta):
        pass

    def __str__(self) -> str:
        return f"teardown {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("cloud_teardown", args=[self.pk])
