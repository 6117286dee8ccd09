"""Date ranges of answers: presets and custom ranges, checked against the reporting day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from gateway.errors import bad_input
from semantic.privacy_cells import block_start
from semantic.query import DateRange

EARLIEST = dt.date(2000, 1, 1)  # no data is older; keeps previous periods representable


class Preset(Enum):
    YESTERDAY = "YESTERDAY"
    LAST_7_DAYS = "LAST_7_DAYS"
    LAST_30_DAYS = "LAST_30_DAYS"
    # the last complete blocks of the privacy calendar whose cells are decided (they end
    # `late_days` or more before the reporting day), so that they can include protected data
    LAST_WEEK = "LAST_WEEK"
    LAST_4_WEEKS = "LAST_4_WEEKS"
    LAST_12_WEEKS = "LAST_12_WEEKS"


TRAILING_DAYS = {Preset.YESTERDAY: 1, Preset.LAST_7_DAYS: 7, Preset.LAST_30_DAYS: 30}
BLOCK_DAYS = {Preset.LAST_WEEK: 7, Preset.LAST_4_WEEKS: 28, Preset.LAST_12_WEEKS: 84}


@dataclass(frozen=True, kw_only=True)
class Calendar:
    """The privacy calendar: blocks of `blocks` days counted from `epoch`, decided
    `late_days` after they end."""

    epoch: dt.date
    blocks: tuple[int, ...]
    late_days: int

    def last_decided_block(self, days: int, *, reporting_day: dt.date) -> DateRange:
        """The last `days`-long block ending on or before the last decided day."""
        through = reporting_day - dt.timedelta(days=self.late_days)
        # the block ending on `through`, or else the one before the block holding it
        start = block_start(through + dt.timedelta(days=1), epoch=self.epoch, days=days)
        start -= dt.timedelta(days=days)
        return DateRange(start=start, end=start + dt.timedelta(days=days - 1))


def _preset_range(
    preset: Preset, *, reporting_day: dt.date, calendar: Calendar | None, argument: str
) -> DateRange:
    if preset in TRAILING_DAYS:
        first = reporting_day - dt.timedelta(days=TRAILING_DAYS[preset] - 1)
        return DateRange(start=first, end=reporting_day)
    days = BLOCK_DAYS[preset]
    if calendar is None or days not in calendar.blocks:
        offered = ", ".join(str(b) for b in calendar.blocks) if calendar else "none"
        raise bad_input(
            f"{preset.name} needs {days}-day blocks in the privacy calendar (blocks: {offered})",
            argument=argument,
        )
    return calendar.last_decided_block(days, reporting_day=reporting_day)


def resolve_range(
    *,
    preset: Preset | None,
    start: dt.date | None,
    end: dt.date | None,
    reporting_day: dt.date,
    max_days: int,
    calendar: Calendar | None = None,
    argument: str = "filter.range",
) -> DateRange:
    """The days an answer covers; refused ranges raise BAD_USER_INPUT saying why."""
    if preset is not None and (start is not None or end is not None):
        raise bad_input("give either a preset or start and end, not both", argument=argument)
    if preset is None and start is None and end is None:
        preset = Preset.LAST_7_DAYS
    if preset is not None:
        return _preset_range(
            preset, reporting_day=reporting_day, calendar=calendar, argument=argument
        )
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
