"""Reads for the Cloud pages: the learner's own jobs, the cost of what ran, local vs cloud."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from lambdalab.cloud.models import CloudInvocation, Deployment, Status, Teardown, Verification
from lambdalab.runtime import formats

_VOLATILE = [  # parts of a log line that differ on every run, so they never count as a difference
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<request-id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r"\d+(\.\d+)? (ms|MB)"), r"… \2"),
    (re.compile(r"Runtime Version: \S+\tRuntime Version ARN: \S+"), "Runtime Version: …"),
]


def _own(model, user, pk: int, related: tuple[str, ...] = ()):
    found = model.objects.select_related(*related).filter(pk=pk, user=user).first()
    if found is None:
        raise Http404("Not found.")
    return found


def deployment_get(*, user, deployment_id: int) -> Deployment:
    return _own(Deployment, user, deployment_id, ("exercise",))


def invocation_get(*, user, invocation_id: int) -> CloudInvocation:
    return _own(CloudInvocation, user, invocation_id, ("deployment", "local_run"))


def teardown_get(*, user, teardown_id: int) -> Teardown:
    return _own(Teardown, user, teardown_id)


def verification_latest(*, user) -> Verification | None:
    """The last check of the current connection (one made before re-connecting says nothing)."""
    queryset = Verification.objects.filter(user=user).select_related("account")
    latest = queryset.order_by("-created_at").first()
    connected_at = latest.account.connected_at if latest else None
    if latest is None or (connected_at and latest.created_at < connected_at):
        return None
    return latest


def deployments_recent(*, user, limit: int = 20) -> list[Deployment]:
    return list(Deployment.objects.filter(user=user).select_related("exercise")[:limit])


def invocations_recent(*, user, limit: int = 20) -> list[CloudInvocation]:
    queryset = CloudInvocation.objects.filter(user=user).select_related("deployment")
    return list(queryset[:limit])


def teardown_latest(*, user) -> Teardown | None:
    return Teardown.objects.filter(user=user).order_by("-created_at").first()


@dataclass(frozen=True)
class CostEstimate:
    invocations: int
    gb_seconds: float
    request_usd: float
    duration_usd: float
    unmeasured: int  # invocations whose log tail had no REPORT line (duration unknown)

    @property
    def total_usd(self) -> float:
        return self.request_usd + self.duration_usd


def cost_estimate(*, user) -> CostEstimate:
    """What the learner's cloud invocations cost at us-east-1 list prices (before free tier)."""
    gb_seconds = duration_usd = 0.0
    count = unmeasured = 0
    finished = CloudInvocation.objects.filter(user=user, status=Status.FINISHED)
    for record, config in finished.values_list("record", "deployment__config"):
        count += 1
        billed = (record or {}).get("billed_duration_ms")
        if billed is None:
            unmeasured += 1
            continue
        memory = record.get("memory_size_mb") or config.get("memory", 128)
        seconds = (memory / 1024) * (billed / 1000)
        gb_seconds += seconds
        duration_usd += seconds * formats.GB_SECOND_PRICE_USD[config.get("architecture", "x86_64")]
    return CostEstimate(
        invocations=count,
        gb_seconds=gb_seconds,
        request_usd=count * formats.REQUEST_PRICE_USD,
        duration_usd=duration_usd,
        unmeasured=unmeasured,
    )


# --- local vs cloud -----------------------------------------------------------------------------

COMPARED = (
    ("duration_ms", "Duration", "ms"),
    ("billed_duration_ms", "Billed duration", "ms"),
    ("init_duration_ms", "Init duration", "ms"),
    ("memory_size_mb", "Memory size", "MB"),
    ("max_memory_used_mb", "Max memory used", "MB"),
    ("status", "Status", ""),
    ("function_error", "Function error", ""),
)


@dataclass(frozen=True)
class Row:
    label: str
    local: Any
    cloud: Any
    unit: str
    differs: bool


def comparison(*, local: dict[str, Any], cloud: dict[str, Any]) -> dict[str, Any]:
    """Rows of figures, the payloads and a line diff of the logs, each marked where they differ."""
    rows = [
        Row(label, local.get(key), cloud.get(key), unit, local.get(key) != cloud.get(key))
        for key, label, unit in COMPARED
    ]
    local_payload, cloud_payload = pretty(local.get("payload")), pretty(cloud.get("payload"))
    return {
        "rows": rows,
        "payload_local": local_payload,
        "payload_cloud": cloud_payload,
        "payload_differs": local.get("payload") != cloud.get("payload"),
        "logs": log_diff(local.get("logs") or "", cloud.get("logs") or ""),
    }


def pretty(payload: Any) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload, indent=2, sort_keys=True)


def _normalise(line: str) -> str:
    for pattern, replacement in _VOLATILE:
        line = pattern.sub(replacement, line)
    return line


def log_diff(local: str, cloud: str) -> list[dict[str, str]]:
    """Aligned log lines: kind is same, local (only there) or cloud (only in AWS)."""
    left, right = local.splitlines(), cloud.splitlines()
    matcher = difflib.SequenceMatcher(
        a=[_normalise(x) for x in left], b=[_normalise(x) for x in right], autojunk=False
    )
    lines: list[dict[str, str]] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            lines += [
                {"kind": "same", "local": left[a1 + i], "cloud": right[b1 + i]}
                for i in range(a2 - a1)
            ]
            continue
        lines += [{"kind": "local", "local": x, "cloud": ""} for x in left[a1:a2]]
        lines += [{"kind": "cloud", "local": "", "cloud": x} for x in right[b1:b2]]
    return lines
