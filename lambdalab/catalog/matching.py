"""Value comparison shared by the checks: subset, tolerant equality, matchers and state paths.

Plain Python (no Django): the grader runs these on the trusted side against invocation records
and the mock-AWS state document.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

MISSING = object()  # a path that does not resolve (distinct from a JSON null)

REL_TOL = 1e-9
DEFAULT_APPROX_TOLERANCE = 1e-6

MATCHER_KEYS = (
    "equals",
    "not_equals",
    "exists",
    "count",
    "contains",
    "matches",
    "approx",
    "gt",
    "gte",
    "lt",
    "lte",
)

MATCHER_SCHEMA: dict[str, Any] = {
    "equals": {},
    "not_equals": {},
    "exists": {"type": "boolean"},
    "count": {"type": "integer", "minimum": 0},
    "contains": {},
    "matches": {"type": "string", "format": "regex"},
    "approx": {"type": "number"},
    "tolerance": {"type": "number", "minimum": 0},
    "gt": {"type": "number"},
    "gte": {"type": "number"},
    "lt": {"type": "number"},
    "lte": {"type": "number"},
}


def short(value: Any, limit: int = 200) -> str:
    """A compact JSON-ish rendering for learner messages, cut at `limit` characters."""
    if value is MISSING:
        return "nothing"
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def values_equal(actual: Any, expected: Any) -> bool:
    """Deep equality where numbers compare with a tiny relative tolerance (1 == 1.0 too)."""
    if _is_number(actual) and _is_number(expected):
        return math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping) or set(actual) != set(expected):
            return False
        return all(values_equal(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return False
        return all(values_equal(a, e) for a, e in zip(actual, expected, strict=True))
    return type(actual) is type(expected) and actual == expected


def subset_mismatch(actual: Any, expected: Any, where: str = "") -> str | None:
    """Where `actual` fails to contain `expected` (None when it does).

    Mappings: every expected key must be present, recursively. Lists: same length, item by item.
    """
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"{where or 'the value'} should be an object, got {short(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{_join(where, key)} is missing"
            problem = subset_mismatch(actual[key], value, _join(where, key))
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            wanted = f"a list like {short(expected)}"
            return f"{where or 'the value'} should be {wanted}, got {short(actual)}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            problem = subset_mismatch(a, e, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if not values_equal(actual, expected):
        return f"{where or 'the value'} should be {short(expected)}, got {short(actual)}"
    return None


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def matcher_problem(matcher: Mapping[str, Any], value: Any) -> str | None:
    """Apply the one matcher in `matcher` to `value` (MISSING when absent); None when it holds."""
    kind = next(k for k in MATCHER_KEYS if k in matcher)
    expected = matcher[kind]
    if kind == "exists":
        found = value is not MISSING
        if found == expected:
            return None
        return f"found {short(value)}" if found else "it does not exist"
    if value is MISSING:
        return "it does not exist"
    return _MATCHERS[kind](value, expected, matcher)


def _m_equals(value: Any, expected: Any, _m: Mapping) -> str | None:
    return (
        None if values_equal(value, expected) else f"expected {short(expected)}, got {short(value)}"
    )


def _m_not_equals(value: Any, expected: Any, _m: Mapping) -> str | None:
    return f"it should not be {short(expected)}" if values_equal(value, expected) else None


def _m_count(value: Any, expected: int, _m: Mapping) -> str | None:
    if not isinstance(value, Sized):
        return f"expected {expected} entries, but it is {short(value)}"
    return None if len(value) == expected else f"expected {expected} entries, found {len(value)}"


def _m_contains(value: Any, expected: Any, _m: Mapping) -> str | None:
    if isinstance(value, str):
        ok = isinstance(expected, str) and expected in value
    elif isinstance(value, Mapping):
        ok = expected in value
    elif isinstance(value, list):
        ok = any(values_equal(item, expected) for item in value)
    else:
        ok = False
    return None if ok else f"expected it to contain {short(expected)}, got {short(value)}"


def _m_matches(value: Any, pattern: str, _m: Mapping) -> str | None:
    if isinstance(value, str) and re.search(pattern, value, re.MULTILINE):
        return None
    return f"expected text matching /{pattern}/, got {short(value)}"


def _m_approx(value: Any, expected: float, matcher: Mapping) -> str | None:
    tolerance = matcher.get("tolerance", DEFAULT_APPROX_TOLERANCE)
    if _is_number(value) and abs(value - expected) <= tolerance:
        return None
    return f"expected {expected} (± {tolerance}), got {short(value)}"


def _comparison(symbol: str, test: Any) -> Any:
    def compare(value: Any, expected: float, _m: Mapping) -> str | None:
        if _is_number(value) and test(value, expected):
            return None
        return f"expected a number {symbol} {expected}, got {short(value)}"

    return compare


Sized = Mapping | Sequence | str
_MATCHERS = {
    "equals": _m_equals,
    "not_equals": _m_not_equals,
    "count": _m_count,
    "contains": _m_contains,
    "matches": _m_matches,
    "approx": _m_approx,
    "gt": _comparison(">", lambda a, b: a > b),
    "gte": _comparison("≥", lambda a, b: a >= b),
    "lt": _comparison("<", lambda a, b: a < b),
    "lte": _comparison("≤", lambda a, b: a <= b),
}


# --- paths into the mock-AWS state -------------------------------------------------------------

_SELECTOR = re.compile(r"^(?P<head>.*?)\[(?P<sel>[^\[\]]*)\]$")


def resolve_path(document: Any, path: str) -> Any:
    """Resolve a dotted state path (longest-key matching, `[field=value]` and `[index]`).

    Returns MISSING when any step does not resolve. Paths starting with `$` are JSONPath.
    """
    if path.startswith("$"):
        return resolve_jsonpath(document, path)
    return _resolve_segments(document, path.split("."))


def _resolve_segments(node: Any, segments: list[str]) -> Any:
    if not segments:
        return node
    # Keys may contain dots ("tmp/x.csv"), so prefer the longest run of segments that is a key.
    for take in range(len(segments), 0, -1):
        candidate = ".".join(segments[:take])
        value = _step(node, candidate)
        if value is not MISSING:
            found = _resolve_segments(value, segments[take:])
            if found is not MISSING:
                return found
    return MISSING


def _step(node: Any, segment: str) -> Any:
    if isinstance(node, Mapping) and segment in node:
        return node[segment]
    selector = _SELECTOR.match(segment)
    if not selector:
        return MISSING
    head = selector["head"]
    base = _step(node, head) if head else node
    if base is MISSING or not isinstance(base, list):
        return MISSING
    return _select(base, selector["sel"])


def _select(items: list, selector: str) -> Any:
    if re.fullmatch(r"-?\d+", selector):
        index = int(selector)
        return items[index] if -len(items) <= index < len(items) else MISSING
    field, _, wanted = selector.partition("=")
    for item in items:
        if isinstance(item, Mapping) and field in item and str(item[field]) == wanted:
            return item
    return MISSING


@functools.lru_cache(maxsize=512)
def _compiled(expression: str) -> Any:
    """Parsed JSONPath; jsonpath-ng builds a parser per call, so parse each expression once."""
    from jsonpath_ng.ext import parse  # imported lazily: only JSONPath checks need it

    return parse(expression)


def resolve_jsonpath(document: Any, expression: str) -> Any:
    """One match gives its value, several give the list of values, none gives MISSING."""
    matches = [m.value for m in _compiled(expression).find(document)]
    if not matches:
        return MISSING
    return matches[0] if len(matches) == 1 else matches


def jsonpath_error(expression: str) -> str | None:
    """A parse error message for an invalid JSONPath, or None when it parses."""
    try:
        _compiled(expression)
    except Exception as exc:  # jsonpath-ng raises several unrelated types for bad input
        return str(exc) or exc.__class__.__name__
    return None
