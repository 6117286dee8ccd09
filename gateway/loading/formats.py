"""Reading files into raw records: CSV with a header row, and JSON Lines (one object a line),
optionally gzip-compressed. Each record comes with the physical line it starts on and holds
its raw values in the table's column order; problems of the file's shape come as BadRecord.
"""

from __future__ import annotations

import csv
import enum
import gzip
import io
import json
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from gateway.loading.catalog import suggestion

_READ_BUFFER = 1 << 20


class Format(enum.Enum):
    CSV = "CSV"
    JSON_LINES = "JSON Lines"


_SUFFIXES = {".csv": Format.CSV, ".jsonl": Format.JSON_LINES, ".ndjson": Format.JSON_LINES}
FORMAT_HINT = "name files .csv, .jsonl or .ndjson, optionally followed by .gz"


def detect_format(path: Path) -> Format | None:
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


MISSING: Any = object()  # a column a JSON object lacks, among the values of a BadRecord


@dataclass(frozen=True)
class BadRecord:
    """A record that cannot even be split into values: (column or None, reason) pairs."""

    line: int
    problems: tuple[tuple[str | None, str], ...]
    whole_file: bool = False  # a problem of the file (its header, its syntax), not of one row
    # the values it does have, in column order, so that their own problems are reported too
    values: tuple[Any, ...] | None = field(default=None, compare=False)


class Source:
    """An open file: its text, and how many of its bytes have been read (for progress)."""

    def __init__(self, path: Path, *, newline: str | None) -> None:
        self._raw = open(path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115 - closed in close()
        binary: IO[bytes] = self._raw
        if path.suffix.lower() == ".gz":
            binary = gzip.GzipFile(fileobj=self._raw, mode="rb")  # type: ignore[assignment]
        self.text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline=newline)

    def position(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self.text.close()
        self._raw.close()


def first_undecodable_line(path: Path) -> int:
    """The line holding the first byte that is not UTF-8 (for reporting a decoding error)."""
    for number, line in enumerate(_binary_lines(path), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 1


def _binary_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as raw:
        if path.suffix.lower() == ".gz":
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield from unzipped
        else:
            yield from raw


Record = tuple[int, Sequence[Any]]  # the line it starts on, its raw values


@dataclass(frozen=True)
class Opened:
    """A file's records, raw values in the table's column order; `absent` names the table
    columns the file does not have (their slots hold anything, to be ignored)."""

    records: Iterator[Record | BadRecord]
    absent: tuple[str, ...] = ()


@dataclass
class CsvLayout:
    """Where each table column is in a CSV file's rows, read from its header."""

    header: list[str]
    positions: list[int | None]  # per table column: its field, None when absent
    problems: list[tuple[str | None, str]] = field(default_factory=list)


def csv_layout(header: list[str], *, columns: Sequence[str], required: set[str]) -> CsvLayout:
    names = [name.strip().lower() for name in header]
    where = {name: index for index, name in enumerate(names)}
    layout = CsvLayout(header=header, positions=[where.get(name) for name in columns])
    known: set[str] = set(columns)
    seen: set[str] = set()
    for written, name in zip(header, names, strict=True):
        if name in seen:
            layout.problems.append((written, "appears more than once in the header"))
        elif name not in known:
            hint = suggestion(name, list(columns))
            layout.problems.append(
                (written, f"unknown column; did you mean {hint}?" if hint else "unknown column")
            )
        seen.add(name)
    missing = [name for name in columns if name not in seen and name in required]
    if missing:
        layout.problems.append((None, f"the header lacks required {_columns(missing)}"))
    return layout


def _columns(names: Sequence[str]) -> str:
    return ("column " if len(names) == 1 else "columns ") + ", ".join(names)


def _whole_file(line: int, problems: tuple[tuple[str | None, str], ...]) -> Opened:
    return Opened(iter([BadRecord(line, problems, whole_file=True)]))


def read_csv(source: Source, *, columns: Sequence[str], required: set[str]) -> Opened:
    reader = csv.reader(source.text)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return _whole_file(1, ((None, f"not valid CSV: {exc}"),))
    if header is None:
        return Opened(iter([]))  # an empty file holds no rows
    layout = csv_layout(header, columns=columns, required=required)
    if layout.problems:
        return _whole_file(1, tuple(layout.problems))
    absent = tuple(name for name, at in zip(columns, layout.positions, strict=True) if at is None)
    pick = None
    if layout.positions != list(range(len(header))):
        pick = _picker([at or 0 for at in layout.positions])
    return Opened(_csv_records(reader, width=len(header), pick=pick), absent)


def _picker(keys: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """operator.itemgetter, but a tuple even of one item."""
    if len(keys) == 1:
        only = keys[0]
        return lambda items: (items[only],)
    return operator.itemgetter(*keys)


def _csv_records(
    reader: Any, *, width: int, pick: Callable[[list[str]], Sequence[str]] | None
) -> Iterator[Record | BadRecord]:
    previous = reader.line_num
    try:
        for fields in reader:
            line = previous + 1
            previous = reader.line_num
            if len(fields) != width:
                if fields:  # not a blank line
                    yield BadRecord(
                        line, ((None, f"has {len(fields)} fields, the header has {width}"),)
                    )
                continue
            yield line, fields if pick is None else pick(fields)
    except csv.Error as exc:
        yield BadRecord(previous + 1, ((None, f"not valid CSV: {exc}"),), whole_file=True)


def read_json_lines(source: Source, *, columns: Sequence[str], required: set[str]) -> Opened:
    return Opened(_json_records(source, columns=columns, required=frozenset(required)))


def _json_records(
    source: Source, *, columns: Sequence[str], required: frozenset[str]
) -> Iterator[Record | BadRecord]:
    known = frozenset(columns)
    every = _picker(columns)
    for line, text in enumerate(source.text, 1):
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError:
            try:  # anything unusual: blank lines, leading spaces, errors
                record = json.loads(text)
            except ValueError:
                if text.isspace():
                    continue  # a blank line
                yield BadRecord(line, ((None, f"not valid JSON: {_json_reason(text)}"),))
                continue
        if type(record) is dict and record.keys() == known and "\\" not in text:
            yield line, every(record)  # the usual object: every column, no escapes
            continue
        problems = _json_problems(record, text, columns=columns, known=known, needed=required)
        if problems:
            values = (
                tuple(record.get(c, MISSING) for c in columns) if type(record) is dict else None
            )
            yield BadRecord(line, problems, values=values)
        else:
            yield line, tuple(map(record.get, columns))


def _json_reason(text: str) -> str:
    """Why a line is not JSON, and where within the line (not past its end of line)."""
    line = text.rstrip("\r\n")
    try:
        json.loads(line)
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
        if exc.pos >= len(line.rstrip()):
            return f"{what} at the end of the line (character {exc.pos + 1}); is it cut short?"
        return f"{what} at character {exc.pos + 1}"
    except ValueError as exc:
        return str(exc)
    return "not one JSON value"  # pragma: no cover - the line parsed without its end of line


def _json_problems(
    record: Any, text: str, *, columns: Sequence[str], known: frozenset[str], needed: frozenset[str]
) -> tuple[tuple[str | None, str], ...]:
    """What is wrong with the object itself; the problems of its values are the validator's."""
    if type(record) is not dict:
        return ((None, "not a JSON object"),)
    problems = list(_unknown_keys(record, columns)) if not record.keys() <= known else []
    if not needed <= record.keys():
        missing = [name for name in columns if name in needed and name not in record]
        problems.append((None, f"the object lacks required {_columns(missing)}"))
    if "\\u" in text:  # escapes can spell what PostgreSQL cannot store
        problems.extend(_unstorable(record))
    return tuple(problems)


def _unknown_keys(
    record: dict[str, Any], columns: Sequence[str]
) -> Iterator[tuple[str | None, str]]:
    known = set(columns)
    for key in record:
        if key not in known:
            hint = suggestion(key, list(columns))
            yield key, f"unknown column; did you mean {hint}?" if hint else "unknown column"


def _unstorable(record: dict[str, Any]) -> Iterator[tuple[str | None, str]]:
    for key, value in record.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                yield key, "contains a lone surrogate escape, which is not valid text"
