"""YAML read into plain nodes that remember their line: every mapping key, list item and
value knows where it was written. Syntax errors and duplicate keys become issues."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from semantic.issues import Issue
from semantic.model import Location


@dataclass(frozen=True, kw_only=True)
class Scalar:
    line: int
    value: object  # as YAML's safe rules read it: str, int, float, bool, None, date...
    text: str  # as written

    def describe(self) -> str:
        return "null" if self.value is None else repr(self.text)


@dataclass(frozen=True, kw_only=True)
class Seq:
    line: int
    items: tuple[Node, ...]

    def describe(self) -> str:
        return "a list"


@dataclass(frozen=True, kw_only=True)
class Key:
    name: str
    line: int


@dataclass(frozen=True, kw_only=True)
class Map:
    line: int
    entries: tuple[tuple[Key, Node], ...]

    def describe(self) -> str:
        return "a mapping"


Node = Scalar | Seq | Map


@dataclass(frozen=True, kw_only=True)
class Document:
    root: Node | None
    issues: tuple[Issue, ...]


class _Converter:
    def __init__(self, *, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []
        self._constructor = SafeConstructor()
        self._open: set[int] = set()  # nodes being converted, to stop recursive aliases

    def report(self, line: int, message: str) -> None:
        self.issues.append(Issue(location=Location(file=self.file, line=line), message=message))

    def convert(self, node: yaml.Node) -> Node:
        line = node.start_mark.line + 1
        if id(node) in self._open:
            self.report(line, "recursive YAML alias")
            return Scalar(line=line, value=None, text="")
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, line=line)
            if isinstance(node, yaml.SequenceNode):
                return Seq(line=line, items=tuple(self.convert(item) for item in node.value))
            return self._scalar(node, line=line)
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.Node, *, line: int) -> Scalar:
        text = str(node.value)
        try:
            value: object = self._constructor.construct_object(  # type: ignore[no-untyped-call]
                node, deep=True)
        except ConstructorError as exc:
            self.report(line, f"invalid YAML value {text!r}: {exc.problem}")
            value = text
        return Scalar(line=line, value=value, text=text)

    def _mapping(self, node: yaml.MappingNode, *, line: int) -> Map:
        entries: list[tuple[Key, Node]] = []
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.report(key_line, "a mapping key must be a plain name, not a list or mapping")
                continue
            name = str(key_node.value)
            if name in first_lines:
                self.report(key_line, f"duplicate key {name} (first at line {first_lines[name]})")
                continue
            first_lines[name] = key_line
            entries.append((Key(name=name, line=key_line), self.convert(value_node)))
        return Map(line=line, entries=tuple(entries))


def parse_yaml(text: str, *, file: str) -> Document:
    """The single document of `text`; `root` is None when the text is empty or unreadable."""
    converter = _Converter(file=file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = f" (column {mark.column + 1})" if mark is not None else ""
        problem = exc.problem or exc.context or "unreadable"
        converter.report(line, f"invalid YAML{column}: {problem}")
        return Document(root=None, issues=tuple(converter.issues))
    except yaml.YAMLError as exc:
        converter.report(1, f"invalid YAML: {exc}")
        return Document(root=None, issues=tuple(converter.issues))
    root = converter.convert(node) if node is not None else None
    return Document(root=root, issues=tuple(converter.issues))
