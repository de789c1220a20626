"""The grading results document, version 1, as a JSON Schema: the contract between the grader
(`GradeResult.to_dict()` / `to_learner_dict()`) and whatever stores or shows results."""

from __future__ import annotations

from typing import Any

_NUMBER = {"type": "number", "minimum": 0}
_RECORD_KEYS = [
    "request_id",
    "status",
    "payload",
    "function_error",
    "logs",
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "max_memory_used_mb",
    "memory_size_mb",
    "cold_start",
    "log_stream_name",
    "cost_usd",
]

CHECK_RESULT = {
    "type": "object",
    "properties": {
        "kind": {"type": "string"},
        "passed": {"type": "boolean"},
        "message": {"type": "string"},
        "grader_error": {"type": "boolean"},
    },
    "required": ["kind", "passed", "message", "grader_error"],
    "additionalProperties": False,
}

FULL_TEST = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "visible": {"type": "boolean"},
        "passed": {"type": "boolean"},
        "points": _NUMBER,
        "max_points": _NUMBER,
        "message": {"type": "string"},
        "event": {},
        "checks": {"type": "array", "items": CHECK_RESULT},
        "invocations": {
            "type": "array",
            "items": {"type": "object", "required": _RECORD_KEYS},
        },
    },
    "required": ["name", "visible", "passed", "points", "max_points", "message", "checks"],
    "additionalProperties": False,
}

HIDDEN_TEST = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": "^Hidden test [0-9]+$"},
        "visible": {"const": False},
        "passed": {"type": "boolean"},
        "points": _NUMBER,
        "max_points": _NUMBER,
        "message": {"enum": ["Passed.", "A hidden test failed."]},
    },
    "required": ["name", "visible", "passed", "points", "max_points", "message"],
    "additionalProperties": False,
}

RESULTS_V1: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "LambdaLab grading results, version 1",
    "type": "object",
    "properties": {
        "version": {"const": 1},
        "exercise": {"type": "string"},
        "status": {"enum": ["passed", "failed", "error"]},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "points": _NUMBER,
        "max_points": _NUMBER,
        "config": {"type": "object"},
        "error": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {
                        "kind": {"enum": ["config", "infrastructure"]},
                        "message": {"type": "string"},
                    },
                    "required": ["kind", "message"],
                },
            ]
        },
        "tests": {"type": "array", "items": {"oneOf": [FULL_TEST, HIDDEN_TEST]}},
    },
    "required": [
        "version",
        "exercise",
        "status",
        "score",
        "points",
        "max_points",
        "config",
        "error",
        "tests",
    ],
    "additionalProperties": False,
}
