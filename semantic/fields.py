"""Typed reading of one YAML mapping: each accessor returns the value or None, and reports a
missing required key, a value of the wrong type or an unknown key as an issue."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from semantic.issues import Issue
from semantic.model import Location, Ref
from semantic.yaml_nodes import Key, Map, Node, Scalar, Seq

E = TypeVar("E", bound=StrEnum)
R = TypeVar("R", bound=Ref)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """"; did you mean x?" when a known name is close to `name`, else ""."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1)
    return f"; did you mean {close[0]}?" if close else ""


class Report:
    """Issues of one file."""

    def __init__(self, *, file: str, issues: list[Issue]) -> None:
        self.file = file
        self.issues = issues

    def at(self, line: int) -> Location:
        return Location(file=self.file, line=line)

    def add(self, line: int, message: str) -> None:
        self.issues.append(Issue(location=self.at(line), message=message))


class Fields:
    """The keys of one mapping, read by `owner` (e.g. "metric active_users") written at
    `line`. Call `done()` after reading every key the mapping may have."""

    def __init__(self, node: Node, *, owner: str, line: int, report: Report) -> None:
        self.owner = owner
        self.line = line
        self.report = report
        self._asked: set[str] = set()
        self._entries: dict[str, tuple[Key, Node]] = {}
        if isinstance(node, Map):
            self._entries = {key.name: (key, value) for key, value in node.entries}
        elif not (isinstance(node, Scalar) and node.value is None):
            report.add(node.line, f"{owner} must be a mapping, not {node.describe()}")

    @property
    def location(self) -> Location:
        return self.report.at(self.line)

    def key_line(self, key: str) -> int:
        entry = self._entries.get(key)
        return entry[0].line if entry else self.line

    def node(self, key: str, *, required: bool = False) -> Node | None:
        """The value of `key`; None when missing or null (reported when required)."""
        self._asked.add(key)
        entry = self._entries.get(key)
        value = entry[1] if entry else None
        if isinstance(value, Scalar) and value.value is None:
            value = None
        if value is None and required:
            self.report.add(self.line, f"{self.owner} has no {key}")
        return value

    def has(self, key: str) -> bool:
        return key in self._entries

    def wrong(self, key: str, node: Node, expected: str, hint: str = "") -> None:
        self.report.add(node.line, f"{self.owner}: {key} must be {expected}, not "
                                   f"{node.describe()}{hint}")

    def _scalar(self, key: str, kinds: tuple[type, ...], expected: str, *,
                required: bool) -> Scalar | None:
        node = self.node(key, required=required)
        if node is None:
            return None
        if isinstance(node, Scalar) and isinstance(node.value, kinds) and not (
                isinstance(node.value, bool) and bool not in kinds):
            return node
        hint = "; quote it" if isinstance(node, Scalar) and str in kinds else ""
        self.wrong(key, node, expected, hint)
        return None

    def text(self, key: str, *, required: bool = False) -> str | None:
        node = self._scalar(key, (str,), "text", required=required)
        return None if node is None else str(node.value)

    def sql(self, key: str, *, required: bool = False) -> str | None:
        """An SQL expression: any scalar, as written."""
        node = self.node(key, required=required)
        if node is None:
            return None
        if isinstance(node, Scalar):
            return node.text
        self.wrong(key, node, "an SQL expression")
        return None

    def integer(self, key: str, *, required: bool = False) -> int | None:
        node = self._scalar(key, (int,), "an integer", required=required)
        return None if node is None else int(str(node.value))

    def number(self, key: str, *, required: bool = False) -> float | None:
        node = self._scalar(key, (int, float), "a number", required=required)
        return None if node is None else float(str(node.value))

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        node = self._scalar(key, (bool,), "true or false", required=required)
        return None if node is None else bool(node.value)

    def choice(self, key: str, enum: type[E], *, required: bool = False) -> E | None:
        node = self._scalar(key, (str,), "a name", required=required)
        return None if node is None else parse_choice(
            node, enum, owner=f"{self.owner}: {key}", report=self.report)

    def ref(self, key: str, cls: type[R], *, required: bool = False) -> R | None:
        node = self._scalar(key, (str,), "a name", required=required)
        return None if node is None else cls(name=str(node.value), location=self.report.at(
            node.line))

    def items(self, key: str, *, required: bool = False) -> tuple[Node, ...]:
        node = self.node(key, required=required)
        if node is None:
            return ()
        if isinstance(node, Seq):
            return node.items
        self.wrong(key, node, "a list")
        return ()

    def names(self, key: str, *, required: bool = False) -> tuple[Scalar, ...]:
        """A list of names (or other plain values written as text)."""
        names = []
        for item in self.items(key, required=required):
            if isinstance(item, Scalar) and isinstance(item.value, str):
                names.append(item)
            else:
                self.report.add(item.line, f"{self.owner}: {key} must list names, not "
                                           f"{item.describe()}")
        return tuple(names)

    def refs(self, key: str, cls: type[R], *, required: bool = False) -> tuple[R, ...]:
        return tuple(cls(name=str(item.value), location=self.report.at(item.line))
                     for item in self.names(key, required=required))

    def entries(self, key: str, *, required: bool = False) -> tuple[tuple[Key, Node], ...]:
        node = self.node(key, required=required)
        if node is None:
            return ()
        if isinstance(node, Map):
            return node.entries
        self.wrong(key, node, "a mapping")
        return ()

    def done(self) -> None:
        for name, (key, _) in self._entries.items():
            if name not in self._asked:
                self.report.add(key.line, f"{self.owner}: unknown key {name}"
                                          f"{did_you_mean(name, self._asked)}")


def entries_of(node: Node, *, owner: str, report: Report) -> tuple[tuple[Key, Node], ...]:
    if isinstance(node, Map):
        return node.entries
    if not (isinstance(node, Scalar) and node.value is None):
        report.add(node.line, f"{owner} must be a mapping, not {node.describe()}")
    return ()


def items_of(node: Node, *, owner: str, report: Report) -> tuple[Node, ...]:
    if isinstance(node, Seq):
        return node.items
    if not (isinstance(node, Scalar) and node.value is None):
        report.add(node.line, f"{owner} must be a list, not {node.describe()}")
    return ()


def peek(node: Node, key: str) -> str | None:
    """The text value of `key` in `node`, if it is a mapping that has one (to name owners)."""
    if isinstance(node, Map):
        for entry, value in node.entries:
            if entry.name == key and isinstance(value, Scalar) and isinstance(value.value, str):
                return value.value
    return None


def parse_choice(node: Scalar, enum: type[E], *, owner: str, report: Report) -> E | None:
    text = str(node.value)
    try:
        return enum(text)
    except ValueError:
        allowed = [member.value for member in enum]
        report.add(node.line, f"{owner} {text} is not one of {', '.join(allowed)}"
                              f"{did_you_mean(text, allowed)}")
        return None
