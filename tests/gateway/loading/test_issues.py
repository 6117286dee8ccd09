from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.loading.issues import RowIssue, show


def test_an_issue_reads_file_line_column_reason() -> None:
    issue = RowIssue(file="launches.csv", line=3, column="os", message="'windows' is not valid")
    assert str(issue) == "launches.csv:3: column os: 'windows' is not valid"
    assert str(RowIssue(file="a.jsonl", line=7, column=None, message="not a JSON object")) == (
        "a.jsonl:7: not a JSON object"
    )
    assert str(RowIssue(file="a.txt", line=None, column=None, message="unknown format")) == (
        "a.txt: unknown format"
    )


def test_values_are_shown_as_a_person_would_write_them() -> None:
    assert show("ios") == "'ios'"
    assert show(None) == "empty"
    assert show(True) == "true"
    assert show(Decimal("0.500000")) == "0.500000"
    assert show(Decimal("0E-6")) == "0.000000"
    assert show(dt.date(2026, 10, 1)) == "2026-10-01"
    assert show(12) == "12"
    assert show([1, "a"]) == '[1, "a"]'
