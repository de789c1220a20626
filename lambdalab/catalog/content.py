"""Load and validate the curriculum (lessons/) into typed objects. Plain Python, no Django.

The format is documented in lessons/README.md. The core works on an in-memory mapping of
{relative path: text} so the same validation serves the disk (`load_catalog`) and the database
(`parse_catalog` over stored files). Any problem raises ContentError listing every problem with
its file and line; a catalog is only returned when the whole tree is valid. One lesson folder is
parsed by lesson_loader.py, one exercise folder by exercise_loader.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lambdalab.catalog.checks import Check
from lambdalab.catalog.exercise_loader import Exercise, ExerciseTest, WrongSolution
from lambdalab.catalog.lesson_loader import (
    LESSON_DIR,
    Block,
    Lesson,
    Quiz,
    QuizOption,
    parse_lesson,
)
from lambdalab.catalog.yamlsource import ContentError, ContentProblem

__all__ = [
    "Block",
    "Catalog",
    "Check",
    "ContentError",
    "ContentProblem",
    "Exercise",
    "ExerciseTest",
    "Lesson",
    "Quiz",
    "QuizOption",
    "WrongSolution",
    "load_catalog",
    "parse_catalog",
    "parse_lesson",
    "read_tree",
]

IGNORED_PARTS = ("__pycache__",)


@dataclass
class Catalog:
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def exercises(self) -> list[Exercise]:
        return [exercise for lesson in self.lessons for exercise in lesson.exercises]

    def lesson(self, slug: str) -> Lesson:
        return next(lesson for lesson in self.lessons if lesson.slug == slug)

    def exercise(self, slug: str) -> Exercise:
        return next(exercise for exercise in self.exercises if exercise.slug == slug)

    def files(self) -> dict[str, str]:
        """The whole tree as {path relative to the lessons root: text}."""
        out: dict[str, str] = {}
        for lesson in self.lessons:
            for rel, text in lesson.files.items():
                out[f"{lesson.dir_name}/{rel}"] = text
            for exercise in lesson.exercises:
                for rel, text in exercise.files.items():
                    out[f"{lesson.dir_name}/exercises/{exercise.slug}/{rel}"] = text
        return out


# --- reading the disk --------------------------------------------------------------------------


def read_tree(root: Path) -> tuple[dict[str, str], list[ContentProblem]]:
    """Every lesson file under `root` as text, skipping caches and dot-files; plus read problems."""
    files: dict[str, str] = {}
    problems: list[ContentProblem] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or _ignored(rel) or "/" not in rel:
            continue  # top-level files (README.md) are documentation, not lessons
        try:
            files[rel] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            problems.append(ContentProblem(f"{root.name}/{rel}", None, "not UTF-8 text"))
    return files, problems


def _ignored(rel: str) -> bool:
    parts = rel.split("/")
    return any(p.startswith(".") or p in IGNORED_PARTS for p in parts) or rel.endswith(".pyc")


def load_catalog(root: Path | str) -> Catalog:
    """Load and validate the lessons tree at `root`; raise ContentError on any problem."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError([ContentProblem(str(root), None, "no such lessons folder")])
    files, problems = read_tree(root)
    if problems:
        raise ContentError(problems)
    return parse_catalog(files, label=root.name)


# --- parsing the tree --------------------------------------------------------------------------


def parse_catalog(files: Mapping[str, str], *, label: str = "lessons") -> Catalog:
    """Build a Catalog from {relative path: text}; raise ContentError listing every problem."""
    problems: list[ContentProblem] = []
    lessons: list[Lesson] = []
    for dir_name, lesson_files in sorted(_group_by_lesson(files, label, problems).items()):
        try:
            lessons.append(parse_lesson(dir_name, lesson_files, label=label))
        except ContentError as error:
            problems.extend(error.problems)
    lessons.sort(key=lambda lesson: (lesson.position, lesson.dir_name))
    problems.extend(_catalog_problems(lessons, label))
    if problems:
        raise ContentError(problems)
    return Catalog(lessons)


def _group_by_lesson(
    files: Mapping[str, str], label: str, problems: list[ContentProblem]
) -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = {}
    for rel, text in files.items():
        top, _, rest = rel.partition("/")
        if not rest:
            continue
        if not LESSON_DIR.match(top):
            problem = ContentProblem(f"{label}/{top}", None, "a lesson folder is named NN-slug")
            if problem not in problems:
                problems.append(problem)
            continue
        groups.setdefault(top, {})[rest] = text
    return groups


def _catalog_problems(lessons: list[Lesson], label: str) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    problems += _duplicates(
        ((ls.slug, ls.dir_name, "lesson.md") for ls in lessons), "lesson", label
    )
    problems += _duplicates(
        (
            (e.slug, ls.dir_name, f"exercises/{e.slug}/exercise.yaml")
            for ls in lessons
            for e in ls.exercises
        ),
        "exercise",
        label,
    )
    problems += _prerequisite_problems(lessons, label)
    return problems


def _duplicates(
    entries: Iterable[tuple[str, str, str]], what: str, label: str
) -> list[ContentProblem]:
    seen: dict[str, str] = {}
    problems = []
    for slug, dir_name, rel in entries:
        if slug in seen:
            message = f"duplicate {what} slug {slug!r} (also in {seen[slug]})"
            problems.append(ContentProblem(f"{label}/{dir_name}/{rel}", None, message))
        else:
            seen[slug] = dir_name
    return problems


def _prerequisite_problems(lessons: list[Lesson], label: str) -> list[ContentProblem]:
    by_slug = {lesson.slug: lesson for lesson in lessons}
    problems = []
    for lesson in lessons:
        file = f"{label}/{lesson.dir_name}/lesson.md"
        for slug in lesson.prerequisites:
            if slug not in by_slug:
                problems.append(ContentProblem(file, None, f"unknown prerequisite lesson {slug!r}"))
            elif _reaches(by_slug, slug, lesson.slug):
                problems.append(ContentProblem(file, None, f"prerequisite cycle through {slug!r}"))
    return problems


def _reaches(by_slug: Mapping[str, Lesson], start: str, target: str) -> bool:
    stack, seen = [start], set()
    while stack:
        slug = stack.pop()
        if slug == target:
            return True
        if slug in seen or slug not in by_slug:
            continue
        seen.add(slug)
        stack.extend(by_slug[slug].prerequisites)
    return False
