"""A stored exercise version parses once per process, and never answers with another's content."""

from __future__ import annotations

from unittest import mock

import pytest

from lambdalab.catalog import exercise_loader
from lambdalab.catalog.content import parse_catalog
from lambdalab.catalog.models import Exercise, ExerciseVersion
from lambdalab.catalog.selectors import exercise_get
from lambdalab.catalog.services import catalog_sync
from tests.catalog.builders import EXERCISE_YAML, lesson_files

pytestmark = pytest.mark.django_db

EX = "01-hello-lambda/exercises/greet"


def publish(files: dict[str, str]) -> Exercise:
    catalog_sync(catalog=parse_catalog(files))
    return exercise_get(slug="greet")


def first_check(exercise: Exercise) -> str:
    return exercise.current_version.content().tests[0].checks[1].arg


def test_a_newly_published_version_is_served_at_once_and_the_old_one_keeps_its_tests():
    files = lesson_files()
    assert first_check(publish(files)) == "greeting Ada"
    edited = EXERCISE_YAML.replace('"greeting Ada"', '"greeting: Ada"')

    exercise = publish({**files, f"{EX}/exercise.yaml": edited})

    assert exercise.current_version.number == 2
    assert first_check(exercise) == "greeting: Ada"
    first = ExerciseVersion.objects.get(exercise=exercise, number=1)
    assert first.content().tests[0].checks[1].arg == "greeting Ada"  # attempts made on v1


def test_a_version_whose_files_were_changed_in_place_is_parsed_again():
    version = publish(lesson_files()).current_version
    assert version.content().memory == 128
    version.files = {
        **version.files,
        "exercise.yaml": EXERCISE_YAML.replace("memory: 128", "memory: 256"),
    }
    version.save()  # content_hash left as it was, as a hand edit in the admin would

    assert ExerciseVersion.objects.get(pk=version.pk).content().memory == 256


def test_changing_the_content_one_caller_got_changes_nobody_elses():
    exercise = publish(lesson_files())
    mine = exercise.current_version.content()
    mine.tests.clear()
    mine.environment["GREETING"] = "Bye"

    theirs = exercise_get(slug="greet").current_version.content()

    assert [test.name for test in theirs.tests] == ["greets Ada", "greets Grace"]
    assert theirs.environment == {"GREETING": "Hello"}


def test_the_same_version_is_parsed_once_however_many_rows_ask(django_assert_num_queries):
    publish(lesson_files())
    exercise_get(slug="greet").current_version.content()

    with mock.patch.object(
        exercise_loader, "parse_exercise", wraps=exercise_loader.parse_exercise
    ) as parse:
        for _ in range(3):
            exercise = exercise_get(slug="greet")
            with django_assert_num_queries(0):  # the selector hands the version its exercise
                content = exercise.current_version.content()
            assert content.slug == "greet"

    assert parse.call_count == 0


def test_the_same_files_under_another_slug_parse_as_that_exercise():
    greet = publish(lesson_files())
    twin = Exercise.objects.create(slug="greet-again", lesson=greet.lesson, title="Greet again")
    version = ExerciseVersion.objects.create(
        exercise=twin,
        number=1,
        content_hash=greet.current_version.content_hash,
        files=greet.current_version.files,
        spec=greet.current_version.spec,
    )

    assert ExerciseVersion.objects.get(pk=version.pk).content().slug == "greet-again"
    assert greet.current_version.content().slug == "greet"
