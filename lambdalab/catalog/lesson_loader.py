"""Parse one lesson folder: lesson.md (front matter, prose, quiz/exercise/widget blocks, images)
and its exercises. Errors name the file and line; see lessons/README.md for the format."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lambdalab.catalog import schema
from lambdalab.catalog.exercise_loader import Exercise, parse_exercise
from lambdalab.catalog.validation import schema_problems
from lambdalab.catalog.yamlsource import ContentError, ContentProblem, parse_yaml

LESSON_DIR = re.compile(r"^(?P<position>\d{2,})-(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)$")
FENCE = re.compile(r"^(?P<ticks>`{3,})\s*(?P<lang>[\w-]*)\s*$")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
BLOCK_KINDS = {"quiz": schema.QUIZ, "exercise": schema.EXERCISE_REF, "widget": schema.WIDGET}


@dataclass(frozen=True)
class QuizOption:
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Quiz:
    id: str
    kind: str  # single | multiple
    question: str
    options: tuple[QuizOption, ...]
    points: int = 1
    line: int = 0

    def correct_indexes(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self.options) if option.correct)

    def is_correct(self, chosen: Iterable[int]) -> bool:
        """Whether the chosen option indexes are exactly the correct ones."""
        return frozenset(chosen) == self.correct_indexes()


@dataclass(frozen=True)
class Block:
    """A fenced quiz / exercise / widget block of lesson.md, in document order."""

    kind: str
    data: dict[str, Any]
    line: int
    start: int  # index of the opening fence line in the body
    end: int  # index just past the closing fence line


@dataclass
class Lesson:
    slug: str
    dir_name: str
    position: int
    title: str
    summary: str
    objectives: list[str]
    minutes: int
    prerequisites: list[str]
    body: str
    blocks: list[Block]
    quizzes: list[Quiz]
    exercises: list[Exercise]
    files: dict[str, str]  # every file of the lesson folder except exercises/, relative paths

    @property
    def front_matter(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "objectives": self.objectives,
            "minutes": self.minutes,
            "prerequisites": self.prerequisites,
        }


# --- one lesson --------------------------------------------------------------------------------


def parse_lesson(dir_name: str, files: Mapping[str, str], *, label: str = "lessons") -> Lesson:
    """Parse one lesson folder's files ({path relative to the lesson folder: text})."""
    base = f"{label}/{dir_name}"
    match = LESSON_DIR.match(dir_name)
    if not match:
        raise ContentError([ContentProblem(base, None, "a lesson folder is named NN-slug")])
    if "lesson.md" not in files:
        raise ContentError([ContentProblem(f"{base}/lesson.md", None, "missing lesson.md")])
    problems: list[ContentProblem] = []
    exercises, folders = _parse_exercises(files, base, problems)
    lesson = _parse_lesson_md(files["lesson.md"], f"{base}/lesson.md", problems)
    if lesson is None:
        raise ContentError(problems)
    front, body, body_start, blocks, quizzes = lesson
    problems += _cross_check(blocks, folders, files, body, body_start, f"{base}/lesson.md")
    if problems:
        raise ContentError(problems)
    lesson_files = {rel: text for rel, text in files.items() if not rel.startswith("exercises/")}
    return Lesson(
        slug=front["slug"],
        dir_name=dir_name,
        position=int(match["position"]),
        title=front["title"],
        summary=front["summary"],
        objectives=list(front["objectives"]),
        minutes=front["minutes"],
        prerequisites=list(front.get("prerequisites") or []),
        body=body,
        blocks=blocks,
        quizzes=quizzes,
        exercises=_in_reference_order(exercises, blocks),
        files=lesson_files,
    )


def _parse_exercises(
    files: Mapping[str, str], base: str, problems: list[ContentProblem]
) -> tuple[list[Exercise], set[str]]:
    folders: dict[str, dict[str, str]] = {}
    for rel, text in files.items():
        if rel.startswith("exercises/"):
            parts = rel.split("/", 2)
            if len(parts) < 3:
                problems.append(
                    ContentProblem(f"{base}/{rel}", None, "put exercises in exercises/<slug>/")
                )
                continue
            folders.setdefault(parts[1], {})[parts[2]] = text
    exercises = []
    for slug, exercise_files in sorted(folders.items()):
        try:
            exercises.append(parse_exercise(slug, exercise_files, base=f"{base}/exercises/{slug}"))
        except ContentError as error:
            problems.extend(error.problems)
    return exercises, set(folders)


def _in_reference_order(exercises: list[Exercise], blocks: list[Block]) -> list[Exercise]:
    order = [b.data["slug"] for b in blocks if b.kind == "exercise"]
    return sorted(exercises, key=lambda e: order.index(e.slug) if e.slug in order else len(order))


def split_front_matter(text: str, file: str) -> tuple[dict[str, Any], str, int]:
    """(front matter mapping, body, 0-based line index where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise ContentError(
            [ContentProblem(file, 1, "lesson.md must start with '---' front matter")]
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == "---":
            located = parse_yaml("".join(lines[1:index]), file=file, line_offset=1)
            _raise_on(schema_problems(located, schema.LESSON_FRONT_MATTER, file))
            return located.data, "".join(lines[index + 1 :]), index + 1
    raise ContentError([ContentProblem(file, 1, "front matter is not closed with '---'")])


def _raise_on(problems: list[ContentProblem]) -> None:
    if problems:
        raise ContentError(problems)


def _parse_lesson_md(
    text: str, file: str, problems: list[ContentProblem]
) -> tuple[dict[str, Any], str, int, list[Block], list[Quiz]] | None:
    try:
        front, body, body_start = split_front_matter(text, file)
    except ContentError as error:
        problems.extend(error.problems)
        return None
    blocks = scan_blocks(body, body_start, file, problems)
    quizzes = [_quiz(block) for block in blocks if block.kind == "quiz"]
    problems += _quiz_problems(quizzes, file)
    return front, body, body_start, blocks, quizzes


def scan_blocks(
    body: str, body_start: int, file: str, problems: list[ContentProblem]
) -> list[Block]:
    """Find the quiz/exercise/widget fences (other fences are skipped whole)."""
    lines = body.splitlines(keepends=True)
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index].rstrip("\r\n"))
        if not opening:
            index += 1
            continue
        close = _closing_fence(lines, index, len(opening["ticks"]))
        line_no = body_start + index + 1
        if close is None:
            problems.append(ContentProblem(file, line_no, "code fence is never closed"))
            break
        lang = opening["lang"]
        if lang in BLOCK_KINDS:
            block = _block(lang, lines, index, close, line_no, file, problems)
            if block:
                blocks.append(block)
        index = close + 1
    return blocks


def _closing_fence(lines: list[str], start: int, ticks: int) -> int | None:
    for index in range(start + 1, len(lines)):
        stripped = lines[index].rstrip("\r\n")
        if re.fullmatch(rf"`{{{ticks},}}\s*", stripped):
            return index
    return None


def _block(
    lang: str,
    lines: list[str],
    start: int,
    close: int,
    line_no: int,
    file: str,
    problems: list[ContentProblem],
) -> Block | None:
    try:
        located = parse_yaml("".join(lines[start + 1 : close]), file=file, line_offset=line_no)
    except ContentError as error:
        problems.extend(error.problems)
        return None
    found = schema_problems(located, BLOCK_KINDS[lang], file, prefix=f"{lang} block: ")
    if found:
        problems.extend(found)
        return None
    return Block(lang, located.data, line_no, start, close + 1)


def _quiz(block: Block) -> Quiz:
    data = block.data
    options = tuple(
        QuizOption(o["text"], bool(o.get("correct", False)), o["explanation"])
        for o in data["options"]
    )
    return Quiz(
        data["id"], data["kind"], data["question"], options, data.get("points", 1), block.line
    )


def _quiz_problems(quizzes: list[Quiz], file: str) -> list[ContentProblem]:
    problems, seen = [], set()
    for quiz in quizzes:
        correct = len(quiz.correct_indexes())
        if quiz.id in seen:
            problems.append(ContentProblem(file, quiz.line, f"duplicate quiz id {quiz.id!r}"))
        seen.add(quiz.id)
        if quiz.kind == "single" and correct != 1:
            message = f"quiz {quiz.id!r} is single choice but has {correct} correct options"
            problems.append(ContentProblem(file, quiz.line, message))
        if quiz.kind == "multiple" and correct < 1:
            problems.append(
                ContentProblem(file, quiz.line, f"quiz {quiz.id!r} has no correct option")
            )
    return problems


def _cross_check(
    blocks: list[Block],
    known: set[str],
    files: Mapping[str, str],
    body: str,
    body_start: int,
    file: str,
) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    referenced: dict[str, int] = {}
    for block in (b for b in blocks if b.kind == "exercise"):
        slug = block.data["slug"]
        if slug not in known:
            problems.append(
                ContentProblem(file, block.line, f"no exercise folder exercises/{slug}/")
            )
        if slug in referenced:
            problems.append(
                ContentProblem(file, block.line, f"exercise {slug!r} is referenced twice")
            )
        referenced[slug] = block.line
    for slug in sorted(known - set(referenced)):
        problems.append(ContentProblem(file, None, f"exercise {slug!r} is never referenced"))
    problems += _image_problems(body, body_start, files, file)
    return problems


def _image_problems(
    body: str, body_start: int, files: Mapping[str, str], file: str
) -> list[ContentProblem]:
    problems = []
    for number, line in prose_lines(body):
        for image in IMAGE.finditer(line):
            src, where = image["src"], body_start + number + 1
            if re.match(r"^[a-z]+:|^/", src):
                problems.append(
                    ContentProblem(file, where, f"image {src} must be a file in the lesson folder")
                )
            elif src not in files:
                problems.append(ContentProblem(file, where, f"image {src} does not exist"))
            if not image["alt"].strip():
                problems.append(ContentProblem(file, where, f"image {src} needs alt text"))
    return problems


def prose_lines(body: str) -> Iterable[tuple[int, str]]:
    """(0-based index, line) of the body lines outside fenced code blocks."""
    fence = 0
    for index, line in enumerate(body.splitlines()):
        opening = re.match(r"^(`{3,})", line)
        if fence == 0 and opening:
            fence = len(opening[1])
        elif fence and re.fullmatch(rf"`{{{fence},}}\s*", line):
            fence = 0
        elif fence == 0:
            yield index, line
