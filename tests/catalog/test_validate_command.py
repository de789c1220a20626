"""An author runs `sync_lessons --validate`: every variant runs in the real sandbox first."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lambdalab.catalog.models import Exercise, Lesson
from tests.catalog.builders import SOLUTION, lesson_files, write_tree

pytestmark = pytest.mark.django_db

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
EX = "01-hello-lambda/exercises/greet"


def validate(root: Path, *args: str) -> str:
    out = StringIO()
    call_command("sync_lessons", "--path", str(root), "--validate", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_validate_prints_a_table_and_then_imports(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())

    output = validate(root)

    assert "greet     solution            100%      100%   ok" in output
    assert "wrong/ignores-name  <100%     0%     ok" in output
    assert "3 runs, 3 ok, 0 failed" in output
    assert Exercise.objects.filter(slug="greet").exists()


def test_a_wrong_solution_that_passes_stops_the_import(tmp_path):
    files = lesson_files()
    files[f"{EX}/wrong/ignores-name/lambda_function.py"] = SOLUTION
    root = write_tree(tmp_path / "lessons", files)

    with pytest.raises(CommandError, match="1 of 3 validation runs misbehaved; nothing imported"):
        validate(root)

    assert not Lesson.objects.exists()


def test_validate_can_focus_on_one_exercise_without_importing(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())

    output = validate(root, "--only", "greet", "--dry-run")

    assert "3 runs, 3 ok" in output and "Would make" in output
    assert not Lesson.objects.exists()


@pytest.mark.slow
@pytest.mark.skipif(not LESSONS.is_dir(), reason="no lessons/ folder")
def test_the_real_curriculum_validates_in_the_sandbox():
    output = validate(LESSONS, "--dry-run")

    assert ", 0 failed" in output, output
