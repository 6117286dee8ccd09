"""Cube's date ranges as UTC days: `[start, end]` (dates or timestamps), one date, or a relative
range (`yesterday`, `last 7 days`, `this month`, ...) that ends on or before the reporting day."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from gateway.surfaces.cube.errors import CubeError

_LAST = re.compile(r"^last (\d+) (day|week|month)s?$")
RELATIVE = "today, yesterday, last N days, last N weeks, last N months, this week, this month"


def _day(text: Any, where: str) -> dt.date:
    if not isinstance(text, str):
        raise CubeError(f"{where}: give dates as YYYY-MM-DD strings, not {text!r}")
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise CubeError(f"{where}: {text!r} is not a date; write YYYY-MM-DD") from None


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _relative(text: str, reporting_day: dt.date, where: str) -> tuple[dt.date, dt.date]:
    today = reporting_day + dt.timedelta(days=1)
    phrase = " ".join(text.lower().split())
    if phrase == "today":
        return today, today
    if phrase == "yesterday":
        return reporting_day, reporting_day
    if phrase == "this week":
        return today - dt.timedelta(days=today.weekday()), reporting_day
    if phrase == "this month":
        return _month_start(today), reporting_day
    if phrase in ("last week", "last month", "last day"):
        phrase = phrase.replace("last ", "last 1 ")
    match = _LAST.match(phrase)
    if match is None:
        raise CubeError(
            f"{where}: {text!r} is not a date range minis understands; give [start, end] as "
            f"YYYY-MM-DD or one of: {RELATIVE}"
        )
    count, unit = int(match[1]), match[2]
    if unit == "day":
        return today - dt.timedelta(days=count), reporting_day
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(weeks=count), monday - dt.timedelta(days=1)
    first = _month_start(today)
    return _month_start(today, back=count), first - dt.timedelta(days=1)


def date_range(value: Any, *, reporting_day: dt.date, where: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a Cube dateRange (the checks on length and the reporting day
    are GraphQL's, applied when the range is asked for)."""
    if isinstance(value, str):
        if re.match(r"^\d{4}-\d{2}-\d{2}", value):
            day = _day(value, where)
            return day, day
        return _relative(value, reporting_day, where)
    if isinstance(value, list) and len(value) in (1, 2):
        start = _day(value[0], where)
        end = _day(value[-1], where)
        return start, end
    raise CubeError(
        f"{where}: give a dateRange as [start, end] or a relative range such as 'last 7 days'"
    )


def cube_time(day: dt.date) -> str:
    """A day as Cube writes time values: local midnight, milliseconds included."""
    return f"{day.isoformat()}T00:00:00.000"


def cube_range(start: dt.date, end: dt.date) -> list[str]:
    return [cube_time(start), f"{end.isoformat()}T23:59:59.999"]
