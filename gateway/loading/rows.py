"""Validating files into batches of rows ready for the table, and tallying every problem.

Validation runs in a worker thread while the previous batch is written, so the tally is
written by that thread and read by the writer between batches.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import call, itemgetter
from pathlib import Path
from typing import Any

from gateway.loading.catalog import Table
from gateway.loading.columns import ColumnParser, Membership, column_parser
from gateway.loading.formats import (
    FORMAT_HINT,
    MISSING,
    BadRecord,
    Format,
    Record,
    Source,
    detect_format,
    first_undecodable_line,
    read_csv,
    read_json_lines,
)
from gateway.loading.issues import BadValue, RowIssue
from gateway.loading.rules import Rule, table_rules

Problem = tuple[str | None, str]  # column (None: the whole record), reason
OnProgress = Callable[[str, int, int], None]  # file, bytes and rows read in all files


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    path: Path
    name: str  # as messages show it
    index: int
    size: int


@dataclass(frozen=True)
class Batch:
    file: int
    rows: list[tuple[Any, ...]]
    lines: list[int]


class Tally:
    """Rows read and problems found, per file; keeps the first `max_issues` problems."""

    def __init__(self, *, files: int, max_issues: int) -> None:
        self.max_issues = max_issues
        self.issues: list[RowIssue] = []
        self.issue_count = 0
        self.rows = [0] * files
        self.bad_rows = [0] * files
        self.problems = [0] * files  # not tied to one row: a header, a file, the database
        self.failed = False

    def _add(self, issue: RowIssue) -> None:
        self.failed = True
        self.issue_count += 1
        if len(self.issues) < self.max_issues:
            self.issues.append(issue)

    def bad_row(self, file: SourceFile, line: int, problems: Iterable[Problem]) -> None:
        self.bad_rows[file.index] += 1
        for column, message in problems:
            self._add(RowIssue(file=file.name, line=line, column=column, message=message))

    def problem(self, file: SourceFile, line: int | None, problems: Iterable[Problem]) -> None:
        for column, message in problems:
            self.problems[file.index] += 1
            self._add(RowIssue(file=file.name, line=line, column=column, message=message))


class Validator:
    def __init__(self, table: Table, *, apps: Collection[str] | None) -> None:
        """`apps`: the known app ids, which every row's app_id must be one of (None: no check)."""
        rules = table_rules(table)
        membership = None
        if apps is not None:
            membership = Membership(
                values=apps,
                reason=lambda app: (
                    "a value is required" if app == "" else f"unknown app {app!r} (not in apps)"
                ),
            )
        self.columns = table.column_names
        self.parsers = tuple(
            column_parser(
                column,
                rules=rules.by_column.get(column.name, ()),
                membership=membership if column.name == "app_id" else None,
            )
            for column in table.columns
        )
        self.required = {parser.name for parser in self.parsers if _is_required(parser)}
        self.row_rules = rules.rows
        self._row_ok = _row_check(rules.rows)
        self.primary_key = table.primary_key
        self._key = itemgetter(*(self.columns.index(c) for c in table.primary_key))
        self._position = {name: index for index, name in enumerate(self.columns)}

    def batches(
        self, files: Sequence[SourceFile], *, tally: Tally, batch_size: int, on_progress: OnProgress
    ) -> Generator[Batch, None, None]:
        """Every file's valid rows in batches; none once anything is wrong (keeps counting)."""
        done_bytes = done_rows = 0
        for file in files:

            def advance(
                rows: int,
                at: int,
                name: str = file.name,
                bytes_before: int = done_bytes,
                rows_before: int = done_rows,
            ) -> None:
                on_progress(name, bytes_before + at, rows_before + rows)

            yield from self._file(file, tally=tally, batch_size=batch_size, on_progress=advance)
            done_bytes += file.size
            done_rows += tally.rows[file.index]
            on_progress(file.name, done_bytes, done_rows)

    def _file(
        self,
        file: SourceFile,
        *,
        tally: Tally,
        batch_size: int,
        on_progress: Callable[[int, int], None],
    ) -> Iterator[Batch]:
        kind = detect_format(file.path)
        if kind is None:
            tally.problem(
                file, None, [(None, f"cannot tell the format from the name; {FORMAT_HINT}")]
            )
            return
        try:
            source = Source(file.path, newline="" if kind is Format.CSV else None)
        except OSError as exc:
            tally.problem(file, None, [(None, f"cannot read the file: {exc.strerror or exc}")])
            return
        try:
            if kind is Format.CSV:
                opened = read_csv(source, columns=self.columns, required=self.required)
                parsers = tuple(
                    _ignoring(parser.absent) if parser.name in opened.absent else parser.text
                    for parser in self.parsers
                )
            else:
                opened = read_json_lines(source, columns=self.columns, required=self.required)
                parsers = tuple(parser.json for parser in self.parsers)
            yield from self._records(
                file,
                opened.records,
                parsers,
                tally=tally,
                batch_size=batch_size,
                on_progress=lambda rows: on_progress(rows, source.position()),
            )
        except UnicodeDecodeError:
            line = first_undecodable_line(file.path)
            tally.problem(file, line, [(None, "not valid UTF-8 text")])
        except (OSError, EOFError, zlib.error) as exc:
            tally.problem(file, None, [(None, f"cannot read the file: {exc}")])
        finally:
            source.close()

    def _records(
        self,
        file: SourceFile,
        records: Iterator[Record | BadRecord],
        parsers: tuple[Callable[[Any], Any], ...],
        *,
        tally: Tally,
        batch_size: int,
        on_progress: Callable[[int], None],
    ) -> Iterator[Batch]:
        """The hot loop: one parser call per value, one row check per row."""
        row_ok = self._row_ok
        keep = not tally.failed  # once anything is wrong, rows are checked but not kept
        rows: list[tuple[Any, ...]] = []
        lines: list[int] = []
        read = 0
        key_of = self._key
        seen: dict[Any, tuple[int, int]] = {}  # primary key -> (line, hash of the row)
        for item in records:
            if item.__class__ is BadRecord:
                if item.whole_file:
                    tally.problem(file, item.line, item.problems)
                else:
                    read += 1
                    tally.bad_row(file, item.line, self._record_problems(item, parsers))
                keep = False
                continue
            read += 1
            line, raw = item  # type: ignore[misc]
            try:
                values = tuple(map(call, parsers, raw))
            except BadValue:
                tally.bad_row(file, line, self._value_problems(parsers, raw))
                keep = False
                continue
            if row_ok is not None and not row_ok(values):
                tally.bad_row(file, line, self._row_problems(values))
                keep = False
                continue
            key = key_of(values)
            first = seen.setdefault(key, (line, hash(values)))
            if first[0] != line:
                if first[1] != hash(values):  # an identical repeat stays a duplicate
                    tally.bad_row(file, line, [self._conflict(key, first[0])])
                    keep = False
                continue
            rows.append(values)
            lines.append(line)
            if len(rows) >= batch_size:
                tally.rows[file.index] = read
                on_progress(read)
                if keep and not tally.failed:
                    yield Batch(file.index, rows, lines)
                rows, lines = [], []
        tally.rows[file.index] = read
        if rows and keep and not tally.failed:
            yield Batch(file.index, rows, lines)

    def _record_problems(
        self, record: BadRecord, parsers: Sequence[Callable[[Any], Any]]
    ) -> list[Problem]:
        """What is wrong with the record itself, then with each value it has."""
        if record.values is None:
            return list(record.problems)
        lacking = {c for c, v in zip(self.columns, record.values, strict=True) if v is MISSING}
        raw = [None if v is MISSING else v for v in record.values]
        problems = self._value_problems(parsers, raw)
        return [*record.problems, *(p for p in problems if p[0] not in lacking)]

    def _conflict(self, key: Any, first_line: int) -> Problem:
        shown = key if len(self.primary_key) > 1 else (key,)
        named = ", ".join(f"{c} {v!r}" for c, v in zip(self.primary_key, shown, strict=True))
        return (
            self.primary_key[0],
            f"the same key ({named}) as line {first_line} of this file, with other values; "
            "a key stands for one row",
        )

    def _value_problems(
        self, parsers: Sequence[Callable[[Any], Any]], raw: Sequence[Any]
    ) -> list[Problem]:
        """Everything wrong with a row: each bad value, and each rule across the good ones."""
        values: list[Any] = []
        bad: set[str] = set()
        problems: list[Problem] = []
        for name, parse, value in zip(self.columns, parsers, raw, strict=False):
            try:
                values.append(parse(value))
            except BadValue as exc:
                problems.append((name, exc.message))
                bad.add(name)
                values.append(None)
        return self._in_column_order(problems + self._row_problems(tuple(values), skip=bad))

    def _row_problems(
        self, values: tuple[Any, ...], *, skip: frozenset[str] | set[str] = frozenset()
    ) -> list[Problem]:
        """The rules across columns the row breaks, leaving out those on a `skip` column."""
        named = dict(zip(self.columns, values, strict=True))
        problems: list[Problem] = []
        for rule in self.row_rules:
            if skip.isdisjoint(rule.columns) and _holds(rule, values) is False:
                problems.append(rule.explain(named))
        return self._in_column_order(problems)

    def _in_column_order(self, problems: list[Problem]) -> list[Problem]:
        position = self._position
        return sorted(problems, key=lambda problem: position.get(problem[0] or "", -1))


def _ignoring(absent: Callable[[], Any]) -> Callable[[Any], Any]:
    """The parser of a column the file does not have: whatever is in its slot, it is absent."""
    return lambda _: absent()


def _is_required(parser: ColumnParser) -> bool:
    try:
        parser.absent()
    except BadValue:
        return True
    return False


def _holds(rule: Rule, values: tuple[Any, ...]) -> bool | None:
    try:
        return rule.predicate(values)
    except TypeError:  # a constraint comparing across types: the database decides
        return None


def _row_check(rules: tuple[Rule, ...]) -> Callable[[tuple[Any, ...]], bool] | None:
    if not rules:
        return None
    predicates = tuple(rule.predicate for rule in rules)

    def row_ok(values: tuple[Any, ...]) -> bool:
        try:
            for predicate in predicates:
                if predicate(values) is False:
                    return False
        except TypeError:  # a constraint comparing across types: the database decides
            return True
        return True

    return row_ok
