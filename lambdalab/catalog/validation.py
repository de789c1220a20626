"""JSON Schema validation whose errors point at the YAML line of the offending value."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from lambdalab.catalog.matching import MATCHER_KEYS
from lambdalab.catalog.yamlsource import ContentProblem, LocatedYaml

_FORMATS = FormatChecker()


def schema_problems(
    located: LocatedYaml,
    schema: dict[str, Any],
    file: str,
    *,
    prefix: str = "",
    base_path: tuple[Any, ...] = (),
) -> list[ContentProblem]:
    """Validate `located.data` (or the value at `base_path`) and return every problem, sorted."""
    value = located.data
    for key in base_path:
        value = value[key]
    validator = _validator(schema)
    problems = []
    for error in _leaf_errors(validator.iter_errors(value)):
        path = (*base_path, *error.absolute_path)
        text = f"{prefix}{_dotted(path)}{_describe(error)}"
        problems.append(ContentProblem(file, located.line_of(path), text))
    return sorted(set(problems), key=lambda p: (p.line or 0, p.message))


_VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """One compiled validator per schema object (the schemas are module constants)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = _VALIDATORS[id(schema)] = (
            schema,
            Draft202012Validator(schema, format_checker=_FORMATS),
        )
    return cached[1]


def _leaf_errors(errors: Iterable[ValidationError]) -> Iterable[ValidationError]:
    """For oneOf/anyOf failures, report the most relevant sub-error rather than the whole blob."""
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            if len(deepest.absolute_path) > len(error.absolute_path):
                yield deepest
                continue
        yield error


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return f"{text}: " if text else ""


def _describe(error: ValidationError) -> str:
    if (
        error.validator == "type"
        and error.validator_value == "string"
        and isinstance(error.instance, dict)
    ):
        return "expected text, but YAML read a mapping: put text that contains ': ' in quotes"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "not" and "required" in str(error.validator_value):
        return "give the event one way only: event, event_file or trigger"
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        return "give exactly one matcher: " + ", ".join(MATCHER_KEYS)
    return error.message
