"""An instructor syncs lessons/ into the site: idempotent, edits update, removals archive."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lambdalab.catalog.content import load_catalog, parse_catalog, read_tree
from lambdalab.catalog.models import Exercise, ExerciseVersion, Lesson, LessonFile, Quiz
from lambdalab.catalog.services import catalog_files, catalog_sync
from tests.catalog.builders import EXERCISE_YAML, LESSON_MD, lesson_files, write_tree

pytestmark = pytest.mark.django_db

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
EX = "01-hello-lambda/exercises/greet"


def sync(root: Path, *args: str) -> str:
    out = StringIO()
    call_command("sync_lessons", "--path", str(root), *args, stdout=out, stderr=out)
    return out.getvalue()


def table_counts() -> tuple[int, ...]:
    models = (Lesson, LessonFile, Quiz, Exercise, ExerciseVersion)
    return tuple(model.objects.count() for model in models)


def test_first_sync_loads_the_lesson_and_a_second_changes_nothing(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())

    first = sync(root)
    stamps = list(Lesson.objects.values_list("updated_at", flat=True))
    second = sync(root)

    assert "created lesson hello-lambda" in first and "published greet v1" in first
    assert second.strip().endswith("No changes.")
    assert list(Lesson.objects.values_list("updated_at", flat=True)) == stamps
    assert table_counts() == (1, 2, 1, 1, 1)
    assert Exercise.objects.get(slug="greet").current_version.number == 1


def test_editing_a_test_publishes_a_new_version_and_keeps_the_old_one(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())
    sync(root)
    edited = EXERCISE_YAML.replace('"greeting Ada"', '"greeting: Ada"')
    (root / EX / "exercise.yaml").write_text(edited)

    output = sync(root)

    exercise = Exercise.objects.get(slug="greet")
    assert "published greet v2" in output
    assert exercise.current_version.number == 2
    assert list(exercise.versions.values_list("number", flat=True)) == [2, 1]
    assert exercise.current_version.content().tests[0].checks[1].arg == "greeting: Ada"


def test_editing_prose_updates_the_lesson_in_place(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())
    sync(root)
    (root / "01-hello-lambda/lesson.md").write_text(LESSON_MD.replace("# Hello", "# Hello there"))

    output = sync(root)

    assert "updated lesson hello-lambda" in output
    assert "# Hello there" in Lesson.objects.get().body
    assert ExerciseVersion.objects.count() == 1  # the exercise did not change


def test_removed_content_is_archived_never_deleted(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())
    sync(root)
    other = write_tree(tmp_path / "other", lesson_files("01-second-lesson"))
    lesson_md = other / "01-second-lesson/lesson.md"
    lesson_md.write_text(LESSON_MD.replace("slug: hello-lambda", "slug: second-lesson"))
    renamed = other / "01-second-lesson/exercises"
    (renamed / "greet").rename(renamed / "greet-again")
    lesson_md.write_text(lesson_md.read_text().replace("slug: greet", "slug: greet-again"))

    output = sync(other)

    assert "archived lesson hello-lambda" in output and "archived exercise greet" in output
    assert Lesson.objects.get(slug="hello-lambda").archived
    assert Exercise.objects.get(slug="greet").archived
    assert ExerciseVersion.objects.filter(exercise__slug="greet").exists()
    sync(root)  # putting it back restores it
    assert not Lesson.objects.get(slug="hello-lambda").archived
    assert not Exercise.objects.get(slug="greet").archived


def test_a_removed_quiz_is_archived(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())
    sync(root)
    text = LESSON_MD
    start, end = text.index("```quiz\n"), text.index("```exercise\n")
    (root / "01-hello-lambda/lesson.md").write_text(text[:start] + text[end:])

    output = sync(root)

    assert "archived quiz hello-lambda/pay-per-use" in output
    assert Quiz.objects.get().archived


def test_bad_content_imports_nothing_at_all(tmp_path):
    files = {**lesson_files(), **lesson_files("02-second")}
    files["02-second/lesson.md"] = LESSON_MD.replace("slug: hello-lambda", "slug: second")
    files["02-second/lesson.md"] = files["02-second/lesson.md"].replace(
        "slug: greet", "slug: greet-two"
    )
    files = {
        k.replace("02-second/exercises/greet/", "02-second/exercises/greet-two/"): v
        for k, v in files.items()
    }
    files["02-second/exercises/greet-two/exercise.yaml"] = EXERCISE_YAML.replace(
        "- returns:", "- returnz:"
    )
    root = write_tree(tmp_path / "lessons", files)

    with pytest.raises(CommandError, match="nothing imported"):
        sync(root)

    assert table_counts() == (0, 0, 0, 0, 0)


def test_dry_run_reports_but_writes_nothing(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())

    output = sync(root, "--dry-run")

    assert "Would make" in output and "created lesson hello-lambda" in output
    assert table_counts() == (0, 0, 0, 0, 0)


def test_export_writes_back_the_same_bytes(tmp_path):
    files = lesson_files()
    files[f"{EX}/solution/lambda_function.py"] = "def lambda_handler(e, c):\r\n    return 1\r\n"
    files[f"{EX}/exercise.yaml"] = EXERCISE_YAML.replace("Greet", "Grüß dich")
    root = write_tree(tmp_path / "lessons", files)
    catalog_sync(catalog=load_catalog(root))

    call_command("export_lessons", str(tmp_path / "out"), stdout=StringIO())

    assert read_tree(tmp_path / "out")[0] == read_tree(root)[0]
    for rel in read_tree(root)[0]:
        assert (tmp_path / "out" / rel).read_bytes() == (root / rel).read_bytes(), rel


@pytest.mark.skipif(not LESSONS.is_dir(), reason="no lessons/ folder")
def test_the_real_curriculum_round_trips_byte_for_byte(tmp_path):
    catalog_sync(catalog=load_catalog(LESSONS))

    call_command("export_lessons", str(tmp_path / "out"), stdout=StringIO())

    original, _ = read_tree(LESSONS)
    exported, _ = read_tree(tmp_path / "out")
    assert sorted(exported) == sorted(original)
    for rel in original:
        assert (tmp_path / "out" / rel).read_bytes() == (LESSONS / rel).read_bytes(), rel


def test_stored_lessons_parse_back_into_content(tmp_path):
    root = write_tree(tmp_path / "lessons", lesson_files())
    catalog_sync(catalog=load_catalog(root))

    lesson = Lesson.objects.get().content()

    assert lesson.quizzes[0].id == "pay-per-use"
    assert [e.slug for e in lesson.exercises] == ["greet"]
    assert parse_catalog(catalog_files()).lessons[0].slug == "hello-lambda"


def test_lessons_authored_on_the_site_survive_a_folder_sync(tmp_path):
    from lambdalab.catalog.services import exercise_publish, lesson_publish

    web = parse_catalog(lesson_files("07-from-the-web")).lessons[0]
    web.slug = "from-the-web"
    web.exercises[0].slug = "web-greet"
    row = lesson_publish(lesson=web)
    exercise_publish(exercise=web.exercises[0], lesson=row)
    root = write_tree(tmp_path / "lessons", lesson_files())

    output = sync(root)

    assert "archived" not in output
    assert not Lesson.objects.get(slug="from-the-web").archived
    assert Lesson.objects.get(slug="from-the-web").origin == "web"
    assert not Exercise.objects.get(slug="web-greet").archived
    assert Lesson.objects.get(slug="hello-lambda").origin == "lessons"


def _publish_from_the_site(files: dict[str, str]) -> None:
    """What the authoring page's Publish does: the whole lesson, parsed, published as "web"."""
    from lambdalab.catalog.services import exercise_publish, lesson_publish

    lesson = parse_catalog(files).lessons[0]
    row = lesson_publish(lesson=lesson)
    for position, exercise in enumerate(lesson.exercises):
        exercise_publish(exercise=exercise, lesson=row, position=position)


def _with_second_exercise(files: dict[str, str]) -> dict[str, str]:
    prefix = "01-hello-lambda"
    extra = {
        path.replace("/exercises/greet/", "/exercises/greet-again/"): text.replace(
            "slug: greet\n", "slug: greet-again\n"
        )
        for path, text in files.items()
        if "/exercises/greet/" in path
    }
    lesson_md = (
        files[f"{prefix}/lesson.md"].rstrip("\n") + "\n\n```exercise\nslug: greet-again\n```\n"
    )
    return {**files, **extra, f"{prefix}/lesson.md": lesson_md}


def test_an_exercise_an_instructor_adds_on_the_site_to_a_folder_lesson_survives_the_next_sync(
    tmp_path,
):
    folder = lesson_files()
    root = write_tree(tmp_path / "lessons", folder)
    sync(root)
    _publish_from_the_site(_with_second_exercise(folder))
    assert Exercise.objects.get(slug="greet-again").origin == "web"

    output = sync(root)  # the folder itself did not change (make run syncs at every start)

    assert output.strip().endswith("No changes."), output
    added = Exercise.objects.get(slug="greet-again")
    assert not added.archived
    lesson = Lesson.objects.get(slug="hello-lambda")
    assert [e.slug for e in lesson.content().exercises] == ["greet", "greet-again"]


def test_a_site_exercise_stays_in_the_lesson_text_when_the_folders_lesson_md_changes(tmp_path):
    folder = lesson_files()
    root = write_tree(tmp_path / "lessons", folder)
    sync(root)
    _publish_from_the_site(_with_second_exercise(folder))
    lesson_md = root / "01-hello-lambda" / "lesson.md"
    lesson_md.write_text(lesson_md.read_text().replace("# Hello", "# Hello again", 1))

    output = sync(root)

    assert "kept exercise greet-again (added on the site) in 01-hello-lambda/lesson.md" in output
    lesson = Lesson.objects.get(slug="hello-lambda")
    stored = lesson.files.get(path="lesson.md").text
    assert "# Hello again" in stored  # the folder's edit landed
    assert stored.endswith("```exercise\nslug: greet-again\n```\n")
    assert lesson.body.endswith("```exercise\nslug: greet-again\n```\n")
    assert [e.slug for e in lesson.content().exercises] == ["greet", "greet-again"]
    assert sync(root).strip().endswith("No changes.")  # and the folder is in sync again


def test_an_edit_made_on_the_site_stands_until_the_folder_itself_changes(tmp_path):
    folder = lesson_files()
    root = write_tree(tmp_path / "lessons", folder)
    sync(root)
    site_yaml = EXERCISE_YAML.replace('"greeting Ada"', '"greeting from the site"')
    _publish_from_the_site({**folder, f"{EX}/exercise.yaml": site_yaml})
    greet = Exercise.objects.get(slug="greet")
    assert greet.current_version.number == 2

    sync(root)
    greet.refresh_from_db()
    assert greet.current_version.number == 2  # the site's version stands

    folder_yaml = EXERCISE_YAML.replace('"greeting Ada"', '"greeting from the folder"')
    (root / EX / "exercise.yaml").write_text(folder_yaml)
    output = sync(root)

    greet.refresh_from_db()
    assert "published greet v3" in output
    assert greet.current_version.files["exercise.yaml"] == folder_yaml
    assert greet.versions.get(number=2).files["exercise.yaml"] == site_yaml  # kept in history


def test_an_exercise_removed_from_the_folder_is_archived_but_one_added_on_the_site_is_not(
    tmp_path,
):
    folder = lesson_files()
    root = write_tree(tmp_path / "lessons", _with_second_exercise(folder))
    sync(root)
    site = {
        path.replace("greet-again", "web-only"): text.replace("greet-again", "web-only")
        for path, text in _with_second_exercise(folder).items()
    }
    _publish_from_the_site(site)
    write_tree(tmp_path / "lessons2", folder)

    output = sync(tmp_path / "lessons2")

    assert "archived exercise greet-again" in output
    assert "archived exercise web-only" not in output
    assert "kept exercise web-only (added on the site)" in output
    assert not Exercise.objects.get(slug="web-only").archived
