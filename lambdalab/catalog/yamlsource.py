"""YAML that remembers where each value came from, so content errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[Any, ...]  # a path into a document: keys and list indexes


@dataclass(frozen=True)
class ContentProblem:
    """One problem in the content: a file (relative to the lessons root), a line and a message."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ContentError(Exception):
    """The content is invalid. `problems` lists every problem found, each with file and line."""

    def __init__(self, problems: list[ContentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class LocatedYaml:
    """A parsed YAML document plus the line of every value in it."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    line_offset: int = 0

    def line_of(self, path: Path_ | list[Any]) -> int:
        """The line of the value at `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1) + self.line_offset


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses ~10x faster, same marks


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that keeps timestamps as strings (state and events are JSON, not datetimes)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, *, file: str, line_offset: int = 0) -> LocatedYaml:
    """Parse one YAML document; raise ContentError naming the file and line on any problem."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LocatedYaml(None, {(): 1}, line_offset)
        lines: dict[Path_, int] = {}
        data = _convert(loader, node, (), lines, file, line_offset)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        if "mapping values are not allowed" in problem:
            problem += ' (put text that contains ": " in quotes)'
        raise ContentError([ContentProblem(file, line, f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ContentError([ContentProblem(file, None, f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return LocatedYaml(data, lines, line_offset)


def _convert(
    loader: _Loader, node: yaml.Node, path: Path_, lines: dict[Path_, int], file: str, offset: int
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(loader, node, path, lines, file, offset)
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, item, (*path, i), lines, file, offset)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _convert_mapping(
    loader: _Loader,
    node: yaml.MappingNode,
    path: Path_,
    lines: dict[Path_, int],
    file: str,
    offset: int,
) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _convert(loader, key_node, (*path, "<key>"), {}, file, offset)
        line = key_node.start_mark.line + 1 + offset
        if isinstance(key, dict | list):
            raise ContentError([ContentProblem(file, line, "a mapping key must be a plain value")])
        if key in out:
            raise ContentError([ContentProblem(file, line, f"duplicate key {key!r}")])
        out[key] = _convert(loader, value_node, (*path, key), lines, file, offset)
    return out
