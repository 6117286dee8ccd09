"""The words of a load's outcome, as `minis load` prints them."""

from __future__ import annotations

from gateway.loading.loader import FileSummary, LoadReport


def count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _loaded(name: str, rows: int, inserted: int, skipped: int) -> str:
    return (
        f"{name}: {count(rows, 'row')} read, {inserted:,} inserted, "
        f"{skipped:,} skipped as duplicates"
    )


def summary_lines(report: LoadReport) -> list[str]:
    """Per file and in total: rows read, inserted, skipped as duplicates; and the rate."""
    lines = [_loaded(file.name, file.rows, file.inserted, file.skipped) for file in report.files]
    total = _loaded("total", report.rows, report.inserted, report.skipped)
    lines.append(f"{total} in {report.seconds:.2f} s ({report.rate:,.0f} rows/s)")
    if report.stale_apps:
        lines.append(
            f"derived tables are out of date for {', '.join(report.stale_apps)}: their answers "
            "come from the raw rows (slower) until `minis refresh` runs"
        )
    return lines


def _refused_file(file: FileSummary) -> str | None:
    parts = []
    if file.bad_rows:
        parts.append(f"{count(file.bad_rows, 'bad row')} of {count(file.rows, 'row')} read")
    if file.problems:
        parts.append(f"{count(file.problems, 'problem')} with the file")
    return f"{file.name}: {', '.join(parts)}" if parts else None


def problem_lines(report: LoadReport, *, max_errors: int) -> list[str]:
    """Every reported problem, what was left unreported, and each refused file's count."""
    lines = [str(issue) for issue in report.issues]
    hidden = report.issue_count - len(report.issues)
    if hidden:
        lines.append(
            f"... and {count(hidden, 'more problem')} "
            f"(--max-errors {max_errors} shows the first {max_errors})"
        )
    lines.extend(line for file in report.files if (line := _refused_file(file)) is not None)
    return lines


def refusal(report: LoadReport) -> str:
    parts = []
    if report.bad_rows:
        parts.append(count(report.bad_rows, "bad row"))
    if report.problems:
        parts.append(count(report.problems, "other problem"))
    return f"nothing was loaded into {report.table}: {' and '.join(parts)}"
