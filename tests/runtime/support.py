"""Helpers shared by the runtime and security tests."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

from lambdalab.runtime import FunctionConfig, Invocation, Runtime
from tests.ci import skip_or_fail

GOLDEN = Path(__file__).parent / "golden"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def function(
    source: str,
    *,
    handler: str = "lambda_function.lambda_handler",
    filename: str = "lambda_function.py",
    **options: object,
) -> FunctionConfig:
    return FunctionConfig(code={filename: textwrap.dedent(source)}, handler=handler, **options)  # type: ignore[arg-type]


def run(rt: Runtime, source: str, event: object = None, **options: object) -> Invocation:
    """Invoke `source` once in a fresh environment."""
    return rt.invoke(function(source, **options), event, owner="tester", cold=True)


def normalise(logs: str) -> str:
    """Replace what differs between runs (ids, timings, memory, dates) with placeholders."""
    text = re.sub(UUID, "<request-id>", logs)
    text = re.sub(r"(Init Duration|Duration): \d+\.\d\d ms", r"\1: <ms> ms", text)
    text = re.sub(r"Billed Duration: \d+ ms", "Billed Duration: <ms> ms", text)
    text = re.sub(r"Max Memory Used: \d+ MB", "Max Memory Used: <mb> MB", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<timestamp>", text)
    text = re.sub(r"after \d+\.\d\d seconds", "after <elapsed> seconds", text)
    return text


def golden(name: str, actual: str) -> None:
    """Compare with tests/runtime/golden/<name>; UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8")


def require_root() -> None:
    """Root-only checks must never skip silently in CI."""
    if os.geteuid() != 0:
        skip_or_fail("needs root (namespaces, cgroups); CI runs it as root")
