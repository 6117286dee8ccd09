"""Date ranges of answers: presets and custom ranges, checked against the reporting day."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from gateway.errors import bad_input
from semantic.query import DateRange

EARLIEST = dt.date(2000, 1, 1)  # no data is older; keeps previous periods representable


class Preset(Enum):
    YESTERDAY = 1
    LAST_7_DAYS = 7
    LAST_30_DAYS = 30


def resolve_range(
    *,
    preset: Preset | None,
    start: dt.date | None,
    end: dt.date | None,
    reporting_day: dt.date,
    max_days: int,
    argument: str = "filter.range",
) -> DateRange:
    """The days an answer covers; refused ranges raise BAD_USER_INPUT saying why."""
    if preset is not None and (start is not None or end is not None):
        raise bad_input("give either a preset or start and end, not both", argument=argument)
    if preset is None and start is None and end is None:
        preset = Preset.LAST_7_DAYS
    if preset is not None:
        first = reporting_day - dt.timedelta(days=preset.value - 1)
        return DateRange(start=first, end=reporting_day)
    if start is None or end is None:
        missing = "start" if start is None else "end"
        raise bad_input(
            f"a custom range needs both start and end; {missing} is missing",
            argument=f"{argument}.{missing}",
        )
    if start > end:
        raise bad_input(
            f"the range starts ({start}) after it ends ({end}); swap them", argument=argument
        )
    if start < EARLIEST:
        raise bad_input(f"the range starts on {start}; ranges start on or after {EARLIEST}",
                        argument=f"{argument}.start")
    if end > reporting_day:
        raise bad_input(
            f"the range ends on {end}, after the reporting day {reporting_day}: data is "
            "complete only up to yesterday (UTC); end the range on or before it",
            argument=f"{argument}.end",
        )
    days = (end - start).days + 1
    if days > max_days:
        raise bad_input(
            f"the range spans {days} days; at most {max_days} are allowed, so start on or "
            f"after {end - dt.timedelta(days=max_days - 1)}",
            argument=argument,
        )
    return DateRange(start=start, end=end)
