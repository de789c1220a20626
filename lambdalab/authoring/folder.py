"""An exercise folder as the editor shows it, and back: plain Python, no Django.

The editor edits the parts authors think in (prompt, code, tests, fixtures, limits); everything
else in the folder (hints, checks.py, events/*.json, attempts ...) is carried over untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

DEFAULT_HANDLER = "lambda_function.lambda_handler"
STARTER = "def lambda_handler(event, context):\n    # TODO\n    return {}\n"
SOLUTION = 'def lambda_handler(event, context):\n    return {"ok": True}\n'
TESTS = """\
- name: returns ok
  visible: true
  points: 1
  event: {}
  checks:
    - returns: {ok: true}
"""


@dataclass
class WrongVariant:
    name: str
    why: str
    code: str


@dataclass
class Parts:
    title: str = ""
    prompt: str = ""
    handler: str = DEFAULT_HANDLER
    points: float = 10
    memory: int = 128
    timeout: int = 3
    environment: str = ""  # YAML mapping
    tests: str = TESTS  # YAML list
    fixtures: str = ""  # YAML mapping, stored as fixtures.yaml
    starter: str = STARTER
    solution: str = SOLUTION
    wrong: list[WrongVariant] = field(default_factory=list)


def module_path(handler: str) -> str:
    """`pkg.mod.fn` → `pkg/mod.py`, the file the handler lives in."""
    return handler.rsplit(".", 1)[0].replace(".", "/") + ".py"


def _spec(files: dict[str, str]) -> dict[str, Any]:
    try:
        spec = yaml.safe_load(files.get("exercise.yaml", "")) or {}
    except yaml.YAMLError:
        return {}
    return spec if isinstance(spec, dict) else {}


def _dump(value: Any) -> str:
    if value in (None, "", {}, []):
        return ""
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100)


def parts_from_files(files: dict[str, str]) -> Parts:
    """What the editor shows for an existing folder."""
    spec = _spec(files)
    handler = spec.get("handler", DEFAULT_HANDLER)
    module = module_path(handler)
    fixtures = spec.get("fixtures")
    wrong = [
        WrongVariant(
            name=w.get("path", "").removeprefix("wrong/"),
            why=w.get("why", ""),
            code=files.get(f"{w.get('path')}/{module}", ""),
        )
        for w in spec.get("wrong") or []
        if isinstance(w, dict)
    ]
    return Parts(
        title=spec.get("title", ""),
        prompt=spec.get("prompt", ""),
        handler=handler,
        points=spec.get("points", 10),
        memory=spec.get("memory", 128),
        timeout=spec.get("timeout", 3),
        environment=_dump(spec.get("environment")),
        tests=_dump(spec.get("tests")) or TESTS,
        fixtures=files.get(fixtures, "") if isinstance(fixtures, str) else _dump(fixtures),
        starter=files.get(f"{spec.get('starter', 'starter')}/{module}", STARTER),
        solution=files.get(f"{spec.get('solution', 'solution')}/{module}", SOLUTION),
        wrong=wrong,
    )


class PartsError(ValueError):
    """A part that is not even YAML; the message names the part."""


def _load(text: str, what: str, kind: type) -> Any:
    if not text.strip():
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PartsError(f"{what} is not valid YAML: {exc}") from exc
    if not isinstance(value, kind):
        raise PartsError(f"{what} must be a YAML {'list' if kind is list else 'mapping'}.")
    return value


def files_from_parts(parts: Parts, previous: dict[str, str] | None = None) -> dict[str, str]:
    """The folder for these parts, keeping every file and key the editor does not own."""
    previous = dict(previous or {})
    spec = _spec(previous)
    old_module = module_path(spec.get("handler", DEFAULT_HANDLER))
    files = {p: t for p, t in previous.items() if not _owned(p, spec, old_module)}
    module = module_path(parts.handler)
    spec.update(
        title=parts.title,
        prompt=parts.prompt.replace("\r\n", "\n"),
        handler=parts.handler,
        memory=int(parts.memory),
        timeout=int(parts.timeout),
        points=_number(parts.points),
        starter="starter",
        solution="solution",
    )
    _set_optional(spec, "environment", _load(parts.environment, "Environment", dict))
    spec["wrong"] = [{"path": f"wrong/{w.name}", "why": w.why} for w in parts.wrong]
    if not spec["wrong"]:
        del spec["wrong"]
    fixtures = _load(parts.fixtures, "Fixtures", dict)
    spec.pop("fixtures", None)
    if fixtures is not None:
        spec["fixtures"] = "fixtures.yaml"
        files["fixtures.yaml"] = _text(parts.fixtures)
    spec["tests"] = _load(parts.tests, "Tests", list) or []
    files["exercise.yaml"] = _dump(_ordered(spec))
    files[f"starter/{module}"] = _text(parts.starter)
    files[f"solution/{module}"] = _text(parts.solution)
    for w in parts.wrong:
        files[f"wrong/{w.name}/{module}"] = _text(w.code)
    return files


def _owned(path: str, spec: dict[str, Any], module: str) -> bool:
    """Files the editor rewrites from its fields (so stale ones disappear on save)."""
    if path in ("exercise.yaml", "fixtures.yaml") or path == spec.get("fixtures"):
        return True
    if path in (
        f"{spec.get('starter', 'starter')}/{module}",
        f"{spec.get('solution', 'solution')}/{module}",
    ):
        return True
    return path.startswith("wrong/") and path.endswith(f"/{module}")


def _set_optional(spec: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        spec.pop(key, None)
    else:
        spec[key] = value


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def _text(value: str) -> str:
    value = value.replace("\r\n", "\n")
    return value if value.endswith("\n") or not value else value + "\n"


ORDER = (
    "title",
    "prompt",
    "handler",
    "runtime",
    "architecture",
    "memory",
    "timeout",
    "environment",
    "points",
    "attempts",
    "configurable",
    "trigger",
    "environment_reuse",
    "fixtures",
    "starter",
    "solution",
    "wrong",
    "hints",
    "tests",
)


def _ordered(spec: dict[str, Any]) -> dict[str, Any]:
    """Keys in the order the format's README uses, so a diff of exercise.yaml stays readable."""
    known = {k: spec[k] for k in ORDER if k in spec}
    return {**known, **{k: v for k, v in spec.items() if k not in known}}
