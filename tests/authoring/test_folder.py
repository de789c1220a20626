"""The exercise editor's fields map onto the lessons/ folder format and back, losing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lambdalab.authoring.folder import (
    Parts,
    PartsError,
    WrongVariant,
    files_from_parts,
    parts_from_files,
)
from lambdalab.catalog.exercise_loader import parse_exercise

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


def _folder(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): p.read_text()
        for p in path.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_a_new_exercise_from_the_editor_is_a_valid_folder():
    parts = Parts(
        title="Echo",
        prompt="Return the event.",
        tests="- name: echoes\n  visible: true\n  event: {a: 1}\n"
        "  checks:\n    - returns: {a: 1}\n",
        solution="def lambda_handler(event, context):\n    return event\n",
        wrong=[
            WrongVariant(
                "returns-none", "forgets to return", "def lambda_handler(e, c):\n    pass\n"
            )
        ],
    )

    files = files_from_parts(parts)

    exercise = parse_exercise("echo", files, base="lessons/99-x/exercises/echo")
    assert exercise.title == "Echo" and exercise.tests[0].event == {"a": 1}
    assert (
        exercise.wrong[0].path == "wrong/returns-none"
        and exercise.wrong[0].why == "forgets to return"
    )
    assert files["solution/lambda_function.py"].endswith("return event\n")


def test_editing_a_real_exercise_keeps_hints_events_and_checks_it_does_not_show():
    original = _folder(LESSONS / "01-what-is-serverless" / "exercises" / "read-the-context")
    parts = parts_from_files(original)
    parts.timeout = 5

    files = files_from_parts(parts, original)

    spec = yaml.safe_load(files["exercise.yaml"])
    old = yaml.safe_load(original["exercise.yaml"])
    assert spec["timeout"] == 5
    assert {k: v for k, v in spec.items() if k != "timeout"} == {
        **{k: v for k, v in old.items() if k != "timeout"},
        "starter": "starter",
        "solution": "solution",
    }
    assert files["checks.py"] == original["checks.py"]
    parse_exercise("read-the-context", files, base="x")


def test_removing_a_wrong_solution_removes_its_files():
    original = _folder(LESSONS / "01-what-is-serverless" / "exercises" / "first-handler")
    parts = parts_from_files(original)
    assert [w.name for w in parts.wrong] == ["hardcodes-greeting", "crashes-without-name"]
    parts.wrong = parts.wrong[:1]

    files = files_from_parts(parts, original)

    assert not any(p.startswith("wrong/crashes-without-name") for p in files)
    assert "wrong/hardcodes-greeting/lambda_function.py" in files


@pytest.mark.parametrize(
    "field,text,message",
    [
        ("tests", "- name: [unclosed", "Tests is not valid YAML"),
        ("tests", "name: not a list", "Tests must be a YAML list"),
        ("environment", "- A", "Environment must be a YAML mapping"),
    ],
)
def test_a_part_that_is_not_yaml_is_named_in_the_error(field, text, message):
    parts = Parts(title="x", prompt="y")
    setattr(parts, field, text)

    with pytest.raises(PartsError, match=message):
        files_from_parts(parts)
