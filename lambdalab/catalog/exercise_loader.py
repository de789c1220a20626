"""Parse and validate one exercise folder (exercise.yaml + starter/solution/wrong + events)."""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambdalab.catalog import schema
from lambdalab.catalog.checks import ARG_SCHEMAS, CHECK_KINDS, Check, repeat_count
from lambdalab.catalog.matching import jsonpath_error
from lambdalab.catalog.triggers import needs_account
from lambdalab.catalog.validation import schema_problems
from lambdalab.catalog.yamlsource import ContentError, ContentProblem, LocatedYaml, parse_yaml


@dataclass(frozen=True)
class ExerciseTest:
    name: str
    visible: bool
    points: float
    event: Any
    checks: tuple[Check, ...]
    event_file: str | None = None
    description: str | None = None
    line: int = 0
    trigger: dict[str, Any] | None = None  # build the event at grading time (triggers.py)

    @property
    def repeat(self) -> int:
        """How many times the event is sent (idempotent / init_once checks ask for more than 1)."""
        return max((repeat_count(check) for check in self.checks), default=1)


@dataclass(frozen=True)
class AttemptPolicy:
    max: int = 0  # 0 = unlimited
    cooldown_seconds: int = 0


@dataclass(frozen=True)
class WrongSolution:
    path: str
    why: str
    files: dict[str, str]


@dataclass
class Exercise:
    slug: str
    title: str
    prompt: str
    handler: str
    tests: list[ExerciseTest]
    starter_files: dict[str, str]
    solution_files: dict[str, str]
    wrong: list[WrongSolution] = field(default_factory=list)
    runtime: str = "python3.12"
    architecture: str = "x86_64"
    memory: int = 128
    timeout: int = 3
    environment: dict[str, str] = field(default_factory=dict)
    points: float = 0
    attempts_max: int = 0
    cooldown_seconds: int = 0
    configurable: list[str] = field(default_factory=list)
    trigger: dict[str, Any] | None = None
    environment_reuse: str = "shared"
    fixtures: dict[str, Any] | None = None
    hints: list[str] = field(default_factory=list)
    checks_source: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # the whole folder, as written
    spec: dict[str, Any] = field(default_factory=dict)  # exercise.yaml as parsed

    @property
    def attempts(self) -> AttemptPolicy:
        return AttemptPolicy(self.attempts_max, self.cooldown_seconds)

    @property
    def test_points(self) -> float:
        return sum(test.points for test in self.tests)

    def config_dict(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The function configuration, with the learner's changes to `configurable` fields only."""
        config = {
            "handler": self.handler,
            "runtime": self.runtime,
            "architecture": self.architecture,
            "memory": self.memory,
            "timeout": self.timeout,
            "environment": dict(self.environment),
            "trigger": self.trigger,
        }
        for key, value in (overrides or {}).items():
            if key not in self.configurable:
                raise ValueError(f"{key} is not configurable in this exercise")
            if key == "trigger":
                _check_trigger(value)
            config[key] = value
        return config


def _check_trigger(value: Any) -> None:
    from jsonschema import Draft202012Validator

    error = next(Draft202012Validator(schema.TRIGGER).iter_errors(value), None)
    if error is not None:
        raise ValueError(f"Invalid trigger: {error.message}")


def parse_exercise(slug: str, files: Mapping[str, str], *, base: str) -> Exercise:
    """Parse the files of exercises/<slug>/ ({path relative to that folder: text})."""
    yaml_file = f"{base}/exercise.yaml"
    if not re.fullmatch(schema.SLUG["pattern"], slug):
        raise ContentError(
            [ContentProblem(base, None, f"exercise folder {slug!r} is not a kebab-case slug")]
        )
    if "exercise.yaml" not in files:
        raise ContentError([ContentProblem(yaml_file, None, "missing exercise.yaml")])
    located = parse_yaml(files["exercise.yaml"], file=yaml_file)
    problems = schema_problems(located, schema.EXERCISE, yaml_file)
    if problems:
        raise ContentError(problems)
    spec = located.data
    tests = [_test(located, i, files, base, problems) for i in range(len(spec["tests"]))]
    problems += _test_set_problems(located, tests, yaml_file)
    starter, solution, wrong = _packages(located, files, base, problems)
    fixtures = _fixtures(located, files, base, problems)
    problems += _python_check_problems(located, tests, files, base)
    problems += _trigger_problems(located, tests, f"{base}/exercise.yaml")
    if problems:
        raise ContentError(problems)
    return _exercise(slug, spec, tests, starter, solution, wrong, fixtures, files)


def _exercise(
    slug: str,
    spec: dict[str, Any],
    tests: list[ExerciseTest],
    starter: dict[str, str],
    solution: dict[str, str],
    wrong: list[WrongSolution],
    fixtures: dict[str, Any] | None,
    files: Mapping[str, str],
) -> Exercise:
    attempts = spec.get("attempts") or {}
    return Exercise(
        slug=slug,
        title=spec["title"],
        prompt=spec["prompt"],
        handler=spec["handler"],
        tests=tests,
        starter_files=starter,
        solution_files=solution,
        wrong=wrong,
        runtime=spec.get("runtime", "python3.12"),
        architecture=spec.get("architecture", "x86_64"),
        memory=spec.get("memory", 128),
        timeout=spec.get("timeout", 3),
        environment=dict(spec.get("environment") or {}),
        points=spec.get("points", sum(t.points for t in tests)),
        attempts_max=attempts.get("max", 0),
        cooldown_seconds=attempts.get("cooldown_seconds", 0),
        configurable=list(spec.get("configurable") or []),
        trigger=spec.get("trigger"),
        environment_reuse=spec.get("environment_reuse", "shared"),
        fixtures=fixtures,
        hints=list(spec.get("hints") or []),
        checks_source=files.get("checks.py"),
        files=dict(files),
        spec=spec,
    )


# --- tests and checks --------------------------------------------------------------------------


def _test(
    located: LocatedYaml,
    index: int,
    files: Mapping[str, str],
    base: str,
    problems: list[ContentProblem],
) -> ExerciseTest:
    data = located.data["tests"][index]
    path = ("tests", index)
    checks = tuple(
        check
        for j in range(len(data["checks"]))
        if (check := _check(located, (*path, "checks", j), f"{base}/exercise.yaml", problems))
    )
    event = _event(located, path, files, base, problems)
    return ExerciseTest(
        name=data["name"],
        visible=bool(data.get("visible", False)),
        points=data.get("points", 1),
        event=event,
        checks=checks,
        event_file=data.get("event_file"),
        description=data.get("description"),
        line=located.line_of(path),
        trigger=data.get("trigger"),
    )


def _check(
    located: LocatedYaml, path: tuple[Any, ...], file: str, problems: list[ContentProblem]
) -> Check | None:
    data = located.data["tests"][path[1]]["checks"][path[3]]
    line = located.line_of(path)
    kinds = [key for key in data if key != "message"]
    if len(kinds) != 1:
        problems.append(
            ContentProblem(file, line, f"{_where(path)}: a check has exactly one kind, got {kinds}")
        )
        return None
    kind = kinds[0]
    if kind not in ARG_SCHEMAS:
        problems.append(
            ContentProblem(file, line, f"{_where(path)}: unknown check {kind!r}{_suggest(kind)}")
        )
        return None
    found = schema_problems(located, ARG_SCHEMAS[kind], file, base_path=(*path, kind))
    found += _message_problems(data, located, path, file) + _path_problems(
        kind, data[kind], file, line
    )
    problems.extend(found)
    return None if found else Check(kind, data[kind], data.get("message"), line)


def _where(path: tuple[Any, ...]) -> str:
    return f"tests[{path[1]}].checks[{path[3]}]"


def _suggest(kind: str) -> str:
    close = difflib.get_close_matches(str(kind), CHECK_KINDS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(CHECK_KINDS)})"


def _message_problems(
    data: Mapping[str, Any], located: LocatedYaml, path: tuple[Any, ...], file: str
) -> list[ContentProblem]:
    if "message" in data and not isinstance(data["message"], str):
        return [ContentProblem(file, located.line_of((*path, "message")), "message must be text")]
    return []


def _path_problems(kind: str, arg: Any, file: str, line: int) -> list[ContentProblem]:
    expressions = []
    if kind == "jsonpath":
        expressions.append(arg["path"])
    if kind in ("aws", "aws_absent"):
        path = arg if isinstance(arg, str) else arg["path"]
        if path.startswith("$"):
            expressions.append(path)
    problems = []
    for expression in expressions:
        error = jsonpath_error(expression)
        if error:
            problems.append(ContentProblem(file, line, f"invalid JSONPath {expression!r}: {error}"))
    return problems


def _event(
    located: LocatedYaml,
    path: tuple[Any, ...],
    files: Mapping[str, str],
    base: str,
    problems: list[ContentProblem],
) -> Any:
    data = located.data["tests"][path[1]]
    if "event_file" not in data:
        return data.get("event", {})
    name = data["event_file"]
    line = located.line_of((*path, "event_file"))
    if name not in files:
        problems.append(
            ContentProblem(f"{base}/exercise.yaml", line, f"event file {name} does not exist")
        )
        return None
    try:
        return json.loads(files[name])
    except json.JSONDecodeError as exc:
        problems.append(ContentProblem(f"{base}/{name}", exc.lineno, f"invalid JSON: {exc.msg}"))
        return None


def _test_set_problems(
    located: LocatedYaml, tests: list[ExerciseTest], file: str
) -> list[ContentProblem]:
    problems, seen = [], set()
    for test in tests:
        if test.name in seen:
            problems.append(ContentProblem(file, test.line, f"duplicate test name {test.name!r}"))
        seen.add(test.name)
    if tests and not any(test.visible for test in tests):
        problems.append(
            ContentProblem(
                file, located.line_of(("tests",)), "at least one test must be visible: true"
            )
        )
    if tests and sum(test.points for test in tests) <= 0:
        problems.append(
            ContentProblem(file, located.line_of(("tests",)), "tests must be worth some points")
        )
    return problems


# --- code packages -----------------------------------------------------------------------------


def _packages(
    located: LocatedYaml, files: Mapping[str, str], base: str, problems: list[ContentProblem]
) -> tuple[dict[str, str], dict[str, str], list[WrongSolution]]:
    spec, file = located.data, f"{base}/exercise.yaml"
    module = _handler_files(spec["handler"])
    starter = _package(
        spec.get("starter", "starter"), ("starter",), located, files, module, file, problems
    )
    solution = _package(
        spec.get("solution", "solution"), ("solution",), located, files, module, file, problems
    )
    wrong = []
    for i, entry in enumerate(spec.get("wrong") or []):
        package = _package(
            entry["path"], ("wrong", i, "path"), located, files, module, file, problems
        )
        wrong.append(WrongSolution(entry["path"], entry["why"], package))
    return starter, solution, wrong


def _handler_files(handler: str) -> tuple[str, str]:
    module = handler.rsplit(".", 1)[0].replace(".", "/")
    return f"{module}.py", f"{module}/__init__.py"


def _package(
    folder: str,
    path: tuple[Any, ...],
    located: LocatedYaml,
    files: Mapping[str, str],
    module: tuple[str, str],
    file: str,
    problems: list[ContentProblem],
) -> dict[str, str]:
    prefix = folder.strip("/") + "/"
    package = {rel[len(prefix) :]: text for rel, text in files.items() if rel.startswith(prefix)}
    line = located.line_of(path) if _has(located.data, path) else None
    if not package:
        problems.append(ContentProblem(file, line, f"folder {folder}/ is missing or empty"))
    elif not any(name in package for name in module):
        handler = located.data["handler"]
        message = f"handler file {module[0]} is missing from {folder}/ (handler {handler})"
        problems.append(ContentProblem(file, located.line_of(("handler",)), message))
    return package


def _has(data: Any, path: tuple[Any, ...]) -> bool:
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _fixtures(
    located: LocatedYaml, files: Mapping[str, str], base: str, problems: list[ContentProblem]
) -> dict[str, Any] | None:
    spec = located.data
    if "fixtures" not in spec:
        return None
    if isinstance(spec["fixtures"], dict):
        data, file = spec["fixtures"], f"{base}/exercise.yaml"
    else:
        name = spec["fixtures"]
        if name not in files:
            line = located.line_of(("fixtures",))
            problems.append(
                ContentProblem(
                    f"{base}/exercise.yaml", line, f"fixtures file {name} does not exist"
                )
            )
            return None
        file = f"{base}/{name}"
        try:
            data = parse_yaml(files[name], file=file).data or {}
        except ContentError as error:
            problems.extend(error.problems)
            return None
    problems.extend(fixture_problems(data, file))
    return data


def fixture_problems(data: Any, file: str) -> list[ContentProblem]:
    """Validate fixtures with the mock-AWS loader when it is available."""
    if not isinstance(data, dict):
        return [ContentProblem(file, None, "fixtures must be a mapping (s3:, ec2:, dynamodb: ...)")]
    try:
        from lambdalab.mockaws import FixtureError, load_fixtures
    except ImportError:  # mock AWS not installed in this build: the structure check above is all
        return []
    try:
        load_fixtures(data, source_name=file)
    except FixtureError as error:
        return [ContentProblem(file, None, f"invalid fixtures: {error}")]
    return []


AWS_CHECKS = {"aws", "aws_absent", "aws_object"}


def _trigger_problems(
    located: LocatedYaml, tests: list[ExerciseTest], file: str
) -> list[ContentProblem]:
    """Triggers that act on AWS and checks that read it need a mock account (fixtures)."""
    if "fixtures" in located.data:
        return []
    problems = [
        ContentProblem(file, test.line, f"the {next(iter(test.trigger))} trigger needs fixtures")
        for test in tests
        if test.trigger and needs_account(test.trigger)
    ]
    for check in (c for t in tests for c in t.checks):
        if check.kind in AWS_CHECKS or (
            check.kind == "idempotent" and "aws_count" in check.options
        ):
            message = f"the {check.kind} check reads the mock AWS account: add fixtures (even {{}})"
            problems.append(ContentProblem(file, check.line, message))
    return problems


def _python_check_problems(
    located: LocatedYaml, tests: list[ExerciseTest], files: Mapping[str, str], base: str
) -> list[ContentProblem]:
    problems = []
    for check in (c for t in tests for c in t.checks if c.kind == "python"):
        module, function = check.arg.split(":")
        problem = _python_function_problem(files, module, function)
        if problem:
            problems.append(ContentProblem(f"{base}/exercise.yaml", check.line, problem))
    return problems


def _python_function_problem(files: Mapping[str, str], module: str, function: str) -> str | None:
    if module not in files:
        return f"python check file {module} does not exist"
    try:
        tree = ast.parse(files[module], filename=module)
    except SyntaxError as exc:
        return f"{module} line {exc.lineno}: {exc.msg}"
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return None if function in names else f"{module} defines no function {function}()"
