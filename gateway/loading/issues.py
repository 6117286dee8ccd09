"""Problems found while loading, and how values are shown in their messages."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal


class BadValue(ValueError):
    """A value that cannot go into its column; `message` says why, without the column name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, kw_only=True)
class RowIssue:
    """One problem: `line` is the physical line in the file (a CSV header is line 1), None when
    the problem is not tied to a line; `column` is None when it is not tied to a column."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        column = "" if self.column is None else f"column {self.column}: "
        return f"{where}: {column}{self.message}"


def show(value: object) -> str:
    """A value as a message quotes it: strings in quotes, SQL-like spellings otherwise."""
    if value is None:
        return "empty"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, default=str)
