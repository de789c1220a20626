"""JSON Schemas for lesson front matter, lesson blocks and exercise.yaml (see lessons/README.md).

Checks are validated separately (checks.ARG_SCHEMAS) so an unknown check gets its own message.
"""

from __future__ import annotations

from typing import Any

from lambdalab.catalog.triggers import TRIGGER_SCHEMA

SLUG = {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80}
TEXT = {"type": "string", "minLength": 1}

LESSON_FRONT_MATTER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {**TEXT, "maxLength": 200},
        "slug": SLUG,
        "summary": {**TEXT, "maxLength": 1000},
        "objectives": {"type": "array", "items": TEXT, "minItems": 1, "maxItems": 10},
        "minutes": {"type": "integer", "minimum": 1, "maximum": 600},
        "prerequisites": {"type": "array", "items": SLUG, "uniqueItems": True},
    },
    "required": ["title", "slug", "summary", "objectives", "minutes"],
    "additionalProperties": False,
}

QUIZ: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": SLUG,
        "kind": {"enum": ["single", "multiple"]},
        "question": TEXT,
        "points": {"type": "integer", "minimum": 0, "maximum": 100},
        "options": {
            "type": "array",
            "minItems": 2,
            "maxItems": 8,
            "items": {
                "type": "object",
                "properties": {
                    "text": TEXT,
                    "correct": {"type": "boolean"},
                    "explanation": TEXT,
                },
                "required": ["text", "explanation"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["id", "kind", "question", "options"],
    "additionalProperties": False,
}

EXERCISE_REF: dict[str, Any] = {
    "type": "object",
    "properties": {"slug": SLUG},
    "required": ["slug"],
    "additionalProperties": False,
}

WIDGET_NAMES = ["cost-calculator", "concurrency-lab"]
WIDGET: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"enum": WIDGET_NAMES}},
    "required": ["name"],
}

CONFIGURABLE = ["memory", "timeout", "environment", "architecture", "trigger"]

TRIGGER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"enum": ["api", "schedule", "s3", "dynamodb_stream", "alarm", "sqs", "sns"]},
    },
    "required": ["type"],
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "schedule"}}},
            "then": {"required": ["expression"]},
        },
        {"if": {"properties": {"type": {"const": "s3"}}}, "then": {"required": ["bucket"]}},
        {
            "if": {"properties": {"type": {"const": "dynamodb_stream"}}},
            "then": {"required": ["table"]},
        },
        {"if": {"properties": {"type": {"const": "alarm"}}}, "then": {"required": ["name"]}},
        {"if": {"properties": {"type": {"const": "sqs"}}}, "then": {"required": ["queue"]}},
    ],
}

TEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {**TEXT, "maxLength": 200},
        "visible": {"type": "boolean"},
        "points": {"type": "number", "minimum": 0},
        "description": TEXT,
        "event": {},
        "event_file": TEXT,
        "trigger": TRIGGER_SCHEMA,
        "checks": {"type": "array", "minItems": 1, "items": {"type": "object", "minProperties": 1}},
    },
    "required": ["name", "checks"],
    "not": {
        "anyOf": [
            {"required": ["event", "event_file"]},
            {"required": ["event", "trigger"]},
            {"required": ["event_file", "trigger"]},
        ]
    },
    "additionalProperties": False,
}

EXERCISE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {**TEXT, "maxLength": 200},
        "prompt": TEXT,
        "handler": {"type": "string", "pattern": r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$"},
        "runtime": {"enum": ["python3.12", "python3.13"]},
        "architecture": {"enum": ["x86_64", "arm64"]},
        "memory": {"type": "integer", "minimum": 128, "maximum": 10240},
        "timeout": {"type": "integer", "minimum": 1, "maximum": 900},
        "environment": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z][A-Za-z0-9_]*$"},
            "additionalProperties": {"type": "string"},
        },
        "points": {"type": "number", "minimum": 0},
        "attempts": {
            "type": "object",
            "properties": {
                "max": {"type": "integer", "minimum": 0},
                "cooldown_seconds": {"type": "integer", "minimum": 0},
            },
            "additionalProperties": False,
        },
        "configurable": {"type": "array", "items": {"enum": CONFIGURABLE}, "uniqueItems": True},
        "trigger": TRIGGER,
        "environment_reuse": {"enum": ["shared", "fresh"]},
        "fixtures": {"type": ["string", "object"]},
        "starter": TEXT,
        "solution": TEXT,
        "wrong": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": TEXT, "why": TEXT},
                "required": ["path", "why"],
                "additionalProperties": False,
            },
        },
        "hints": {"type": "array", "items": TEXT},
        "tests": {"type": "array", "minItems": 1, "items": TEST},
    },
    "required": ["title", "prompt", "handler", "tests"],
    "additionalProperties": False,
}
