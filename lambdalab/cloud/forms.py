"""Forms for the Cloud page. Secrets are write-only: a PasswordInput never renders its value."""

from __future__ import annotations

from django import forms
from django.conf import settings

from lambdalab.cloud.models import AuthMode


def _regions() -> list[tuple[str, str]]:
    return [(r, r) for r in settings.CLOUD_REGIONS]


class ConnectForm(forms.Form):
    mode = forms.ChoiceField(
        label="How LambdaLab signs in",
        widget=forms.RadioSelect,
        choices=[(AuthMode.ROLE, AuthMode.ROLE.label), (AuthMode.KEYS, AuthMode.KEYS.label)],
        initial=AuthMode.ROLE,
    )
    region = forms.ChoiceField(label="Region", choices=_regions)
    role_arn = forms.CharField(
        label="Role ARN for LambdaLab",
        required=False,
        max_length=2048,
        help_text="A role in your account whose trust policy is the one below.",
        widget=forms.TextInput(
            attrs={"placeholder": "arn:aws:iam::123456789012:role/LambdaLab", "autocomplete": "off"}
        ),
    )
    access_key_id = forms.CharField(
        label="Access key ID",
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Only if you cannot make a role. Stored encrypted, never shown again.",
    )
    secret_access_key = forms.CharField(
        label="Secret access key",
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    execution_role_arn = forms.CharField(
        label="Execution role ARN (what your function runs as)",
        required=False,
        max_length=2048,
        help_text="A role that trusts lambda.amazonaws.com, with AWSLambdaBasicExecutionRole.",
        widget=forms.TextInput(attrs={"placeholder": "arn:aws:iam::123456789012:role/lambda-exec"}),
    )


class DeployForm(forms.Form):
    exercise = forms.ChoiceField(
        label="Code to deploy", required=False, help_text="Your saved draft of an exercise."
    )
    run = forms.IntegerField(required=False, widget=forms.HiddenInput)
    again = forms.IntegerField(required=False, widget=forms.HiddenInput)
    execution_role_arn = forms.CharField(
        label="Execution role ARN", required=False, max_length=2048
    )
    memory = forms.IntegerField(label="Memory (MB)", required=False, min_value=128)
    timeout = forms.IntegerField(label="Timeout (s)", required=False, min_value=1)
    trigger = forms.ChoiceField(
        label="Trigger",
        required=False,
        initial="",
        choices=[
            ("", "None (invoke from LambdaLab)"),
            ("s3", "S3: objects created in a bucket"),
            ("schedule", "EventBridge schedule"),
        ],
    )
    bucket = forms.CharField(label="S3 bucket (for an S3 trigger)", required=False, max_length=63)
    schedule = forms.CharField(
        label="Schedule (for a schedule trigger)",
        required=False,
        max_length=100,
        initial="rate(1 hour)",
    )

    def __init__(self, *args, exercises: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exercise"].choices = [("", "—")] + exercises
        limits = f"At most {settings.CLOUD_MAX_MEMORY_MB} MB"
        self.fields["memory"].help_text = f"{limits}; empty: your draft's setting."
        self.fields[
            "timeout"
        ].help_text = (
            f"At most {settings.CLOUD_MAX_TIMEOUT_SECONDS} s; empty: your draft's setting."
        )

    def trigger_spec(self) -> dict[str, str] | None:
        kind = self.cleaned_data.get("trigger")
        if not kind:
            return None
        return {
            "type": kind,
            "bucket": self.cleaned_data.get("bucket", ""),
            "expression": self.cleaned_data.get("schedule", ""),
        }


class InvokeForm(forms.Form):
    event = forms.CharField(
        label="Test event (JSON)",
        widget=forms.Textarea(attrs={"rows": 6}),
        initial='{"key1": "value1", "key2": "value2", "key3": "value3"}',
    )
    compare_locally = forms.BooleanField(
        label="Also run it in the local sandbox and compare", required=False, initial=True
    )


class TeardownForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete every function, permission and schedule LambdaLab made in my account",
        required=True,
    )
