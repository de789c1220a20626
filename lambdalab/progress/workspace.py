"""The exercise workspace: what the page shows (code, configuration, events) and reading its form.

One form carries the files, the function configuration and the test event, so Test, Submit and
the autosave all read it the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from lambdalab.catalog.models import Exercise
from lambdalab.progress import selectors

CONFIG_FIELDS = ("memory", "timeout", "environment", "architecture")
MEMORY_CHOICES = (128, 256, 512, 1024, 1536, 2048, 3008, 4096, 10240)
ARCHITECTURES = ("x86_64", "arm64")


def handler_path(handler: str) -> str:
    """lambda_function.lambda_handler → lambda_function.py; pkg.mod.fn → pkg/mod.py."""
    module = handler.rsplit(".", 1)[0]
    return module.replace(".", "/") + ".py"


def ordered_files(files: dict[str, str], handler: str) -> list[tuple[str, str]]:
    """The handler's file first, then the others by path (the order of the editor's tabs)."""
    main = handler_path(handler)
    return sorted(files.items(), key=lambda item: (item[0] != main, item[0]))


@dataclass
class FormProblems:
    """What is wrong with a submitted workspace form, field by field, for inline messages."""

    errors: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    @property
    def summary(self) -> str:
        return " ".join(self.errors.values())


def read_files(post: QueryDict, allowed: set[str], problems: FormProblems) -> dict[str, str]:
    """The code fields (`file:<path>`), for the exercise's own files only."""
    files = {}
    for key in post:
        if not key.startswith("file:"):
            continue
        path = key[5:]
        if path not in allowed:
            problems.add("files", f"{path} is not a file of this exercise.")
            continue
        text = post.get(key, "").replace("\r\n", "\n")
        if "\ufffd" in text or "\x00" in text:
            problems.add(
                "files",
                f"{path} contains bytes that are not UTF-8 text (shown as �). "
                "Remove them and try again; your draft is kept.",
            )
        files[path] = text
    if not files:
        problems.add("files", "There is no code to run.")
    return files


def read_config(post: QueryDict, configurable: list[str], problems: FormProblems) -> dict[str, Any]:
    """The learner's changes to the configurable fields (the others keep the exercise's values)."""
    config: dict[str, Any] = {}
    for name in ("memory", "timeout"):
        if name in configurable and post.get(name, "").strip():
            try:
                config[name] = int(post[name])
            except ValueError:
                problems.add(name, f"{name.capitalize()} must be a whole number.")
    if "architecture" in configurable and post.get("architecture") in ARCHITECTURES:
        config["architecture"] = post["architecture"]
    if "environment" in configurable and "environment" in post:
        config["environment"] = _environment(post["environment"], problems)
    return config


def _environment(text: str, problems: FormProblems) -> dict[str, str]:
    variables = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            problems.add("environment", f"Line {number}: write each variable as KEY=value.")
            continue
        variables[key.strip()] = value
    return variables


def environment_text(variables: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in variables.items())


@dataclass(frozen=True)
class EventChoice:
    key: str
    group: str
    label: str
    body: str


def event_choices(*, exercise: Exercise, content: Any, user) -> list[EventChoice]:
    """Events to start from: the exercise's visible tests and event files, the template
    catalogue, and the learner's saved events."""
    choices = [
        EventChoice(f"test:{i}", "This exercise", f"Test: {test.name}", _pretty(test.event))
        for i, test in enumerate(content.tests)
        if test.visible
    ]
    for path, text in sorted(exercise.current_version.files.items()):
        if path.startswith("events/") and path.endswith(".json"):
            choices.append(EventChoice(f"file:{path}", "This exercise", path[7:], text))
    for template in _templates():
        choices.append(
            EventChoice(
                f"template:{template['id']}",
                "Templates",
                template["name"],
                _pretty(template["event"]),
            )
        )
    for saved in selectors.saved_events(user=user, exercise=exercise):
        choices.append(
            EventChoice(f"saved:{saved.name}", "Your saved events", saved.name, saved.body)
        )
    return choices


def _templates() -> list[dict[str, Any]]:
    try:
        from lambdalab.mockaws import event_templates

        return list(event_templates())
    except (ImportError, AttributeError):  # the catalogue ships with the mock AWS package
        return []


def _pretty(event: Any) -> str:
    if isinstance(event, str):
        return event
    return json.dumps(event if event is not None else {}, indent=2)


def first_event_text(content: Any) -> str:
    visible = [test for test in content.tests if test.visible]
    return _pretty(visible[0].event) if visible else "{}"
