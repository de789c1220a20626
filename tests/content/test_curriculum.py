"""The curriculum itself: what a learner reads and solves, checked as content, not as code.

The catalog's own tests prove the format parses and `sync_lessons --validate` proves every
reference solution scores 100 %; these tests hold the lessons to the bar the course promises:
enough prose, accessible diagrams, prices that agree with the fact sheet, and exercises that
use AWS the way the sandbox expects.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lambdalab.catalog.content import load_catalog

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
SVG = "{http://www.w3.org/2000/svg}"
# us-east-1 list prices from shared/reference/lambda-runtime-facts.md, section 5.
GB_SECOND = {"x86_64": "0.0000166667", "arm64": "0.0000133334"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(LESSONS)


def prose_words(body: str) -> int:
    return len(re.sub(r"```.*?```", " ", body, flags=re.S).split())


def test_every_lesson_has_between_800_and_2000_words_of_prose(catalog):
    counts = {lesson.slug: prose_words(lesson.body) for lesson in catalog.lessons}
    too_short_or_long = {slug: n for slug, n in counts.items() if not 800 <= n <= 2000}
    assert not too_short_or_long


def test_every_lesson_has_a_diagram_a_quiz_and_two_exercises(catalog):
    for lesson in catalog.lessons:
        diagrams = [name for name in lesson.files if name.startswith("diagrams/")]
        assert diagrams, lesson.slug
        assert lesson.quizzes, lesson.slug
        assert len(lesson.exercises) >= 2, lesson.slug


def test_the_course_asks_both_single_and_multiple_choice_questions(catalog):
    kinds = {quiz.kind for lesson in catalog.lessons for quiz in lesson.quizzes}
    assert kinds == {"single", "multiple"}


@pytest.mark.parametrize("path", sorted(LESSONS.glob("*/diagrams/*.svg")), ids=lambda p: p.name)
def test_a_diagram_is_readable_by_a_screen_reader_and_hot_links_nothing(path):
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text.strip()
    assert desc is not None and len(desc.text.split()) >= 15
    assert root.get("role") == "img"
    labelled_by = set(root.get("aria-labelledby", "").split())
    assert {title.get("id"), desc.get("id")} <= labelled_by
    assert root.findall(f".//{SVG}text"), "labels must be real text, not outlines"
    assert not root.findall(f".//{SVG}image")
    assert "http" not in path.read_text(encoding="utf-8").replace("http://www.w3.org/2000/svg", "")


def test_both_interactive_widgets_appear_in_the_course(catalog):
    widgets = {
        block.data.get("name")
        for lesson in catalog.lessons
        for block in lesson.blocks
        if block.kind == "widget"
    }
    assert widgets == {"cost-calculator", "concurrency-lab"}


def test_prices_quoted_in_the_prose_are_the_real_ones(catalog):
    prose = "\n".join(lesson.body for lesson in catalog.lessons)
    for price in GB_SECOND.values():
        assert f"${price}" in prose
    assert "$0.20 per million" in prose
    # Prices that are close to the real ones but wrong must never appear.
    assert not re.search(r"0\.0000166(?!667)|0\.00001667\b|0\.0000133(?!334)", prose)


def test_cost_exercises_grade_against_the_real_prices(catalog):
    cost_exercises = ["lambda-monthly-cost", "break-even-traffic", "memory-sweep"]
    for slug in cost_exercises:
        solution = catalog.exercise(slug).solution_files["lambda_function.py"]
        for price in GB_SECOND.values():
            assert price in solution, slug
        assert "math.ceil" in solution, f"{slug} must bill whole milliseconds"


def test_every_exercise_has_examples_hidden_tests_and_an_explained_wrong_solution(catalog):
    for exercise in catalog.exercises:
        visible = [t for t in exercise.tests if t.visible]
        hidden = [t for t in exercise.tests if not t.visible]
        assert visible and hidden, exercise.slug
        assert exercise.wrong and all(w.why.strip() for w in exercise.wrong), exercise.slug
        assert exercise.hints, exercise.slug


def test_aws_code_uses_plain_boto3_the_way_the_sandbox_routes_it(catalog):
    for exercise in catalog.exercises:
        variants = [exercise.starter_files, exercise.solution_files]
        variants += [w.files for w in exercise.wrong]
        for files in variants:
            for name, text in files.items():
                assert "endpoint_url" not in text, f"{exercise.slug}/{name}"
                assert "aws_access_key_id" not in text, f"{exercise.slug}/{name}"
                assert "localhost" not in text, f"{exercise.slug}/{name}"


def test_the_logging_gotcha_and_the_report_line_are_taught(catalog):
    first = catalog.lesson("what-is-serverless").body
    assert "Billed Duration" in first and "Init Duration" in first
    logging_lesson = catalog.lesson("errors-timeouts-and-logging").body
    assert "logging.info" in logging_lesson and "setLevel(logging.INFO)" in logging_lesson
    assert "basicConfig" in logging_lesson
