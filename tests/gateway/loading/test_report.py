from __future__ import annotations

from gateway.loading.issues import RowIssue
from gateway.loading.loader import FileSummary, LoadReport
from gateway.loading.report import problem_lines, refusal, summary_lines


def test_the_summary_of_a_load() -> None:
    report = LoadReport(
        table="launches",
        files=(
            FileSummary(name="a.csv", rows=1200, inserted=1000, bad_rows=0, problems=0),
            FileSummary(name="b.jsonl", rows=1, inserted=1, bad_rows=0, problems=0),
        ),
        issues=(),
        issue_count=0,
        seconds=0.5,
    )
    assert summary_lines(report) == [
        "a.csv: 1,200 rows read, 1,000 inserted, 200 skipped as duplicates",
        "b.jsonl: 1 row read, 1 inserted, 0 skipped as duplicates",
        "total: 1,201 rows read, 1,001 inserted, 200 skipped as duplicates in 0.50 s "
        "(2,402 rows/s)",
    ]


def test_the_problems_of_a_refused_load() -> None:
    issues = (
        RowIssue(file="a.csv", line=3, column="os", message="'windows' is not one of android, ios"),
        RowIssue(file="b.csv", line=1, column=None, message="the header lacks required column n"),
    )
    report = LoadReport(
        table="launches",
        files=(
            FileSummary(name="a.csv", rows=10, inserted=0, bad_rows=4, problems=0),
            FileSummary(name="b.csv", rows=0, inserted=0, bad_rows=0, problems=1),
            FileSummary(name="c.csv", rows=5, inserted=0, bad_rows=0, problems=0),
        ),
        issues=issues,
        issue_count=5,
        seconds=0.1,
    )
    assert problem_lines(report, max_errors=2) == [
        "a.csv:3: column os: 'windows' is not one of android, ios",
        "b.csv:1: the header lacks required column n",
        "... and 3 more problems (--max-errors 2 shows the first 2)",
        "a.csv: 4 bad rows of 10 rows read",
        "b.csv: 1 problem with the file",
    ]
    assert refusal(report) == "nothing was loaded into launches: 4 bad rows and 1 other problem"
