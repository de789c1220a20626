"""What a check is: its kinds, the JSON Schema of each kind's argument, and repeat counts.

exercise_loader.py validates exercise.yaml with ARG_SCHEMAS; checks.py evaluates the kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdalab.catalog.matching import MATCHER_KEYS, MATCHER_SCHEMA


@dataclass(frozen=True)
class Check:
    """One check of a test: its kind (`returns`, `aws`...), its argument and an optional message."""

    kind: str
    arg: Any
    message: str | None = None
    line: int | None = None

    @property
    def options(self) -> dict[str, Any]:
        """The argument when it is a mapping, else {}; repeating kinds carry their effective
        "repeat" (defaults included), so callers can bound how many invocations a test makes."""
        options = dict(self.arg) if isinstance(self.arg, Mapping) else {}
        if self.kind in ("idempotent", "init_once"):
            options["repeat"] = repeat_count(self)
        return options

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {self.kind: self.arg}
        if self.message is not None:
            data["message"] = self.message
        return data


# --- argument schemas ---------------------------------------------------------------------------


def _matcher_schema(*required: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props = dict(MATCHER_SCHEMA)
    props.update(extra or {})
    return {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
        "oneOf": [{"required": [key]} for key in MATCHER_KEYS],
    }


_TEXTS = {
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}
_PATH = {"type": "string", "minLength": 1}
_POSITIVE = {"type": "number", "exclusiveMinimum": 0}

ARG_SCHEMAS: dict[str, dict[str, Any]] = {
    "returns": {},
    "returns_subset": {"type": ["object", "array"]},
    "jsonpath": _matcher_schema("path", extra={"path": _PATH}),
    "status": {"type": "integer", "minimum": 100, "maximum": 599},
    "body_subset": {"type": ["object", "array"]},
    "body_contains": {"type": "string"},
    "headers_subset": {"type": "object", "additionalProperties": {"type": "string"}},
    "logs_contain": _TEXTS,
    "logs_not_contain": _TEXTS,
    "logs_match": {"type": "string", "format": "regex"},
    "error_type": {"type": "string", "minLength": 1},
    "no_error": {"const": True},
    "aws": _matcher_schema("path", extra={"path": _PATH}),
    "aws_absent": _PATH,
    "aws_object": _matcher_schema("bucket", "key", extra={"bucket": _PATH, "key": _PATH}),
    "max_duration_ms": _POSITIVE,
    "max_billed_duration_ms": _POSITIVE,
    "max_memory_mb": _POSITIVE,
    "max_cost_per_million_usd": _POSITIVE,
    "cold_start": {"type": "boolean"},
    "config": {"type": "object", "minProperties": 1},
    "idempotent": {
        "type": "object",
        "properties": {
            "repeat": {"type": "integer", "minimum": 2, "maximum": 10},
            "aws_count": _matcher_schema("path", extra={"path": _PATH}),
            "same_response": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    "init_once": {
        "type": "object",
        "properties": {
            "log": {"type": "string", "minLength": 1},
            "repeat": {"type": "integer", "minimum": 2, "maximum": 10},
        },
        "required": ["log"],
        "additionalProperties": False,
    },
    "python": {"type": "string", "pattern": r"^[\w./-]+\.py:[A-Za-z_]\w*$"},
}

CHECK_KINDS = tuple(ARG_SCHEMAS)


def repeat_count(check: Check) -> int:
    """How many times a check needs its test's event sent (1 for ordinary checks)."""
    if check.kind == "idempotent":
        return int((check.arg or {}).get("repeat", 2))
    if check.kind == "init_once":
        return int(check.arg.get("repeat", 3))
    return 1
