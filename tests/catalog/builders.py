"""Small, valid lesson trees for tests; each test breaks exactly the part it is about."""

from __future__ import annotations

from pathlib import Path

LESSON_MD = """\
---
title: Hello Lambda
slug: hello-lambda
summary: A tiny lesson used by the tests.
objectives:
  - Write a handler
minutes: 5
prerequisites: []
---
# Hello

![A request travels to a function](diagrams/flow.svg)

```python
print("not a block: ```quiz inside code is ignored")
```

```quiz
id: pay-per-use
kind: single
question: When does Lambda bill you?
options:
  - text: Per request and per ms of duration
    correct: true
    explanation: Requests and GB-seconds.
  - text: Per hour deployed
    explanation: That is EC2.
```

```exercise
slug: greet
```

```widget
name: cost-calculator
requests_per_month: 1000000
```
"""

EXERCISE_YAML = """\
title: Greet
prompt: |
  Return a greeting for `event["name"]`.
handler: lambda_function.lambda_handler
memory: 128
timeout: 3
environment: {GREETING: Hello}
configurable: [memory]
wrong:
  - {path: wrong/ignores-name, why: always greets the world}
hints:
  - Use event["name"].
tests:
  - name: greets Ada
    visible: true
    points: 2
    event: {name: Ada}
    checks:
      - returns: {message: "Hello, Ada!"}
      - logs_contain: "greeting Ada"
  - name: greets Grace
    points: 1
    event_file: events/grace.json
    checks:
      - returns_subset: {message: "Hello, Grace!"}
"""

SOLUTION = """\
import os


def lambda_handler(event, context):
    name = event.get("name", "world")
    print(f"greeting {name}")
    return {"message": f"{os.environ['GREETING']}, {name}!"}
"""

STARTER = """\
def lambda_handler(event, context):
    return {"message": "TODO"}
"""

WRONG = """\
def lambda_handler(event, context):
    print("greeting world")
    return {"message": "Hello, world!"}
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg"><title>flow</title><desc>d</desc></svg>\n'


def lesson_files(prefix: str = "01-hello-lambda") -> dict[str, str]:
    """A valid one-lesson tree as {path relative to the lessons root: text}."""
    exercise = f"{prefix}/exercises/greet"
    return {
        f"{prefix}/lesson.md": LESSON_MD,
        f"{prefix}/diagrams/flow.svg": SVG,
        f"{exercise}/exercise.yaml": EXERCISE_YAML,
        f"{exercise}/starter/lambda_function.py": STARTER,
        f"{exercise}/solution/lambda_function.py": SOLUTION,
        f"{exercise}/wrong/ignores-name/lambda_function.py": WRONG,
        f"{exercise}/events/grace.json": '{"name": "Grace"}\n',
    }


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")
