"""Authors write lessons as files; the loader accepts good ones and names file:line for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdalab.catalog.content import ContentError, load_catalog, parse_catalog
from tests.catalog.builders import EXERCISE_YAML, LESSON_MD, lesson_files, line_of, write_tree

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
EX = "01-hello-lambda/exercises/greet"


def problems_of(files: dict[str, str]) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_catalog(files)
    return [str(p) for p in caught.value.problems]


def test_a_valid_lesson_loads_with_its_quiz_exercise_and_widget(tmp_path):
    catalog = load_catalog(write_tree(tmp_path / "lessons", lesson_files()))

    lesson = catalog.lesson("hello-lambda")
    assert (lesson.position, lesson.title, lesson.minutes) == (1, "Hello Lambda", 5)
    assert [b.kind for b in lesson.blocks] == ["quiz", "exercise", "widget"]
    quiz = lesson.quizzes[0]
    assert quiz.kind == "single" and quiz.is_correct([0]) and not quiz.is_correct([1])
    exercise = catalog.exercise("greet")
    assert exercise.environment == {"GREETING": "Hello"}
    assert exercise.points == 3  # defaults to the sum of the test points
    assert [t.visible for t in exercise.tests] == [True, False]  # hidden unless said
    assert exercise.tests[1].event == {"name": "Grace"}  # read from events/grace.json
    assert "lambda_function.py" in exercise.solution_files
    assert exercise.wrong[0].why == "always greets the world"


def test_readme_and_caches_are_not_lesson_content(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())
    (root / "README.md").write_text("# docs\n")
    cache = root / EX / "solution" / "__pycache__"
    cache.mkdir()
    (cache / "lambda_function.cpython-311.pyc").write_bytes(b"\x00\xff")

    files = load_catalog(root).files()

    assert "README.md" not in files
    assert not any("__pycache__" in path for path in files)


def test_a_handler_file_missing_from_the_solution_names_the_handler_line():
    files = lesson_files()
    del files[f"{EX}/solution/lambda_function.py"]
    files[f"{EX}/solution/other.py"] = "x = 1\n"

    problems = problems_of(files)

    line = line_of(EXERCISE_YAML, "handler:")
    expected = f"lessons/{EX}/exercise.yaml:{line}: handler file lambda_function.py is missing"
    assert any(p.startswith(expected) for p in problems), problems


def test_invalid_yaml_names_the_file_and_line():
    files = lesson_files()
    files[f"{EX}/exercise.yaml"] = EXERCISE_YAML.replace("memory: 128", "memory: [128")

    problems = problems_of(files)

    assert len(problems) == 1
    assert problems[0].startswith(f"lessons/{EX}/exercise.yaml:")
    assert "invalid YAML" in problems[0]
    reported = int(problems[0].split(":")[1])
    assert line_of(EXERCISE_YAML, "memory:") <= reported <= line_of(EXERCISE_YAML, "timeout:") + 1


def test_an_unknown_check_is_named_with_a_suggestion_and_its_line():
    files = lesson_files()
    files[f"{EX}/exercise.yaml"] = EXERCISE_YAML.replace(
        "- returns: {message", "- return: {message"
    )

    problems = problems_of(files)

    line = line_of(EXERCISE_YAML, '- returns: {message: "Hello, Ada!"}')
    assert problems == [
        f"lessons/{EX}/exercise.yaml:{line}: tests[0].checks[0]: unknown check 'return' "
        "(did you mean 'returns'?)"
    ]


def test_a_bad_check_argument_points_at_its_line():
    files = lesson_files()
    text = EXERCISE_YAML.replace('- logs_contain: "greeting Ada"', "- max_duration_ms: -5")
    files[f"{EX}/exercise.yaml"] = text

    problems = problems_of(files)

    line = line_of(text, "max_duration_ms")
    assert len(problems) == 1 and problems[0].startswith(f"lessons/{EX}/exercise.yaml:{line}:")
    assert "-5" in problems[0]


def test_a_schema_error_names_the_field_and_its_line():
    files = lesson_files()
    text = EXERCISE_YAML.replace("timeout: 3", "timeout: 9000")
    files[f"{EX}/exercise.yaml"] = text

    problems = problems_of(files)

    assert problems == [
        f"lessons/{EX}/exercise.yaml:{line_of(text, 'timeout:')}: "
        "timeout: 9000 is greater than the maximum of 900"
    ]


def test_an_aws_matcher_needs_exactly_one_comparison():
    files = lesson_files()
    text = EXERCISE_YAML.replace(
        '- logs_contain: "greeting Ada"', '- aws: {path: "s3.b.k", equals: 1, exists: true}'
    )
    files[f"{EX}/exercise.yaml"] = text

    problems = problems_of(files)

    assert len(problems) == 1 and "exactly one matcher" in problems[0]
    assert f"exercise.yaml:{line_of(text, '- aws:')}:" in problems[0]


def test_an_event_file_that_is_not_json_is_reported_in_that_file():
    files = lesson_files()
    files[f"{EX}/events/grace.json"] = '{\n  "name": "Grace",\n}\n'

    problems = problems_of(files)

    assert problems == [
        f"lessons/{EX}/events/grace.json:3: "
        "invalid JSON: Expecting property name enclosed in double quotes"
    ]


def test_quiz_errors_point_into_lesson_md():
    files = lesson_files()
    text = LESSON_MD.replace("    explanation: That is EC2.\n", "")
    files["01-hello-lambda/lesson.md"] = text

    problems = problems_of(files)

    line = line_of(text, "  - text: Per hour deployed")
    assert problems == [
        f"lessons/01-hello-lambda/lesson.md:{line}: quiz block: options[1]: "
        "'explanation' is required"
    ]


def test_a_single_choice_quiz_needs_exactly_one_correct_option():
    files = lesson_files()
    text = LESSON_MD.replace(
        "explanation: That is EC2.", "explanation: That is EC2.\n    correct: true"
    )
    files["01-hello-lambda/lesson.md"] = text

    problems = problems_of(files)

    assert problems == [
        f"lessons/01-hello-lambda/lesson.md:{line_of(text, 'id: pay-per-use') - 1}: "
        "quiz 'pay-per-use' is single choice but has 2 correct options"
    ]


def test_front_matter_errors_name_the_field():
    files = lesson_files()
    text = LESSON_MD.replace("minutes: 5", "minutes: five")
    files["01-hello-lambda/lesson.md"] = text

    problems = problems_of(files)

    assert problems == [
        f"lessons/01-hello-lambda/lesson.md:{line_of(text, 'minutes:')}: "
        "minutes: 'five' is not of type 'integer'"
    ]


def test_missing_images_and_unreferenced_exercises_are_reported():
    files = lesson_files()
    del files["01-hello-lambda/diagrams/flow.svg"]
    files["01-hello-lambda/lesson.md"] = LESSON_MD.replace("```exercise\nslug: greet\n```\n", "")

    problems = problems_of(files)

    assert any("image diagrams/flow.svg does not exist" in p for p in problems)
    assert any("exercise 'greet' is never referenced" in p for p in problems)


def test_duplicate_slugs_across_lessons_are_rejected():
    files = {**lesson_files("01-hello-lambda"), **lesson_files("02-hello-again")}

    problems = problems_of(files)

    assert any("duplicate lesson slug 'hello-lambda'" in p for p in problems)
    assert any("duplicate exercise slug 'greet'" in p for p in problems)


def test_a_python_check_must_name_an_existing_function():
    files = lesson_files()
    text = EXERCISE_YAML.replace('- logs_contain: "greeting Ada"', "- python: checks.py:check_it")
    files[f"{EX}/exercise.yaml"] = text
    files[f"{EX}/checks.py"] = "def check_other(ctx):\n    return None\n"

    problems = problems_of(files)

    assert problems == [
        f"lessons/{EX}/exercise.yaml:{line_of(text, 'python:')}: "
        "checks.py defines no function check_it()"
    ]


def test_every_problem_in_the_tree_is_reported_at_once():
    files = lesson_files()
    files[f"{EX}/exercise.yaml"] = EXERCISE_YAML.replace("- returns:", "- retruns:")
    files["01-hello-lambda/lesson.md"] = LESSON_MD.replace("minutes: 5", "minutes: 0")

    problems = problems_of(files)

    assert len(problems) == 2


@pytest.mark.skipif(not LESSONS.is_dir(), reason="no lessons/ folder")
def test_every_real_lesson_parses():
    catalog = load_catalog(LESSONS)

    assert catalog.lessons, "the curriculum has lessons"
    for lesson in catalog.lessons:
        assert lesson.quizzes, f"{lesson.slug} has a quiz"
        for exercise in lesson.exercises:
            assert any(t.visible for t in exercise.tests), exercise.slug
            assert exercise.wrong, f"{exercise.slug} has a known-wrong solution"


@pytest.mark.skipif(not LESSONS.is_dir(), reason="no lessons/ folder")
def test_the_curriculum_meets_the_issue_bar():
    """Issue 5: at least 8 lessons and 16 graded exercises; every lesson has a diagram, a quiz
    and exercises; every exercise has example (visible) and hidden tests and a wrong solution."""
    catalog = load_catalog(LESSONS)

    assert len(catalog.lessons) >= 8
    assert len(catalog.exercises) >= 16
    for lesson in catalog.lessons:
        assert any(p.endswith(".svg") for p in lesson.files), f"{lesson.slug} has a diagram"
        assert lesson.quizzes and lesson.exercises, lesson.slug
    kinds = {q.kind for lesson in catalog.lessons for q in lesson.quizzes}
    assert kinds == {"single", "multiple"}
    for exercise in catalog.exercises:
        visibility = {t.visible for t in exercise.tests}
        assert visibility == {True, False}, f"{exercise.slug} has visible and hidden tests"
        assert exercise.wrong and exercise.hints, exercise.slug


def test_a_test_gives_its_event_one_way_only():
    files = lesson_files()
    text = EXERCISE_YAML.replace(
        "    event: {name: Ada}\n",
        "    event: {name: Ada}\n    trigger: {schedule: {rule: nightly}}\n",
    )
    files[f"{EX}/exercise.yaml"] = text

    problems = problems_of(files)

    assert problems == [
        f"lessons/{EX}/exercise.yaml:{line_of(text, '- name: greets Ada')}: tests[0]: "
        "give the event one way only: event, event_file or trigger"
    ]


def test_a_trigger_that_acts_on_aws_needs_fixtures():
    files = lesson_files()
    text = EXERCISE_YAML.replace(
        "    event: {name: Ada}\n",
        "    trigger: {s3_put: {bucket: uploads, key: a.csv, body: x}}\n",
    )
    files[f"{EX}/exercise.yaml"] = text

    problems = problems_of(files)

    assert problems == [
        f"lessons/{EX}/exercise.yaml:{line_of(text, '- name: greets Ada')}: "
        "the s3_put trigger needs fixtures"
    ]


def test_an_aws_check_without_fixtures_is_caught_before_any_learner_hits_it():
    files = lesson_files()
    text = EXERCISE_YAML.replace(
        '- logs_contain: "greeting Ada"', '- aws_absent: "s3.uploads.tmp.csv"'
    )
    files[f"{EX}/exercise.yaml"] = text

    problems = problems_of(files)

    assert problems == [
        f"lessons/{EX}/exercise.yaml:{line_of(text, 'aws_absent')}: "
        "the aws_absent check reads the mock AWS account: add fixtures (even {})"
    ]


def test_binary_files_and_duplicate_yaml_keys_are_named(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())
    (root / "01-hello-lambda/diagrams/photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")

    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    assert [str(p) for p in caught.value.problems] == [
        "lessons/01-hello-lambda/diagrams/photo.png: not UTF-8 text"
    ]

    files = lesson_files()
    files[f"{EX}/exercise.yaml"] = EXERCISE_YAML.replace("timeout: 3", "timeout: 3\nmemory: 256")
    assert problems_of(files) == [f"lessons/{EX}/exercise.yaml:7: duplicate key 'memory'"]
