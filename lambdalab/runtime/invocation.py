"""The record of one invocation, as learners and graders see it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lambdalab.runtime import formats

STATUSES = ("success", "error", "timeout", "throttled")


@dataclass(frozen=True)
class Invocation:
    """One invocation. `payload_bytes` is exactly what the Invoke API would return."""

    request_id: str
    status: str
    payload_bytes: bytes
    function_error: str | None
    logs: str
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None
    max_memory_used_mb: int
    memory_size_mb: int
    cold_start: bool
    log_stream_name: str | None
    architecture: str = "x86_64"
    error_type: str | None = None

    @property
    def payload(self) -> Any:
        """The payload parsed as JSON when it is JSON (a returned `bytes` may not be)."""
        try:
            return json.loads(self.payload_bytes)
        except ValueError:
            return self.payload_bytes.decode("utf-8", "replace")

    @property
    def cost_usd(self) -> float:
        return self.cost_for(self.architecture)

    def cost_for(self, architecture: str) -> float:
        """USD for this invocation (us-east-1, first pricing tier); 0 when throttled."""
        if self.status == "throttled":
            return 0.0
        return formats.cost_usd(
            billed_ms=self.billed_duration_ms,
            memory_size=self.memory_size_mb,
            architecture=architecture,
        )

    def to_dict(self) -> dict[str, Any]:
        """Exactly the keys of `invoke --json`."""
        return {
            "request_id": self.request_id,
            "status": self.status,
            "payload": self.payload,
            "function_error": self.function_error,
            "logs": self.logs,
            "duration_ms": round(self.duration_ms, 2),
            "billed_duration_ms": self.billed_duration_ms,
            "init_duration_ms": None
            if self.init_duration_ms is None
            else round(self.init_duration_ms, 2),
            "max_memory_used_mb": self.max_memory_used_mb,
            "memory_size_mb": self.memory_size_mb,
            "cold_start": self.cold_start,
            "log_stream_name": self.log_stream_name,
            "cost_usd": self.cost_usd,
        }
