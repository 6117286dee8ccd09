"""From the rows of a compiled statement to the numbers an answer shows.

Rows come keyed by grain (see semantic.grains): 0 the range, 1 the previous period, 2 + i
the i-th day, week or month of the range's series. Here the comparison arithmetic and the
privacy suppression are applied; nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from semantic.grains import CURRENT, PREVIOUS
from semantic.model import COUNT_UNITS, Unit
from semantic.model import Direction as Polarity

# Units whose values add up across the values of a dimension, so that a share makes sense.
COUNTABLE_UNITS = frozenset(unit.value for unit in COUNT_UNITS | {Unit.BEANS, Unit.USD})


class Suppression(StrEnum):
    APP_NOT_LAUNCHED = "APP_NOT_LAUNCHED"
    PRIVACY_THRESHOLD = "PRIVACY_THRESHOLD"
    # no day of the range can be judged yet (a retention period ending after the reporting day)
    INCOMPLETE_PERIOD = "INCOMPLETE_PERIOD"


class Direction(StrEnum):
    UP = "UP"
    DOWN = "DOWN"
    FLAT = "FLAT"


class Assessment(StrEnum):
    """Whether a change is good news, given the metric's polarity."""

    GOOD = "GOOD"
    BAD = "BAD"
    NEUTRAL = "NEUTRAL"


@dataclass(frozen=True, kw_only=True)
class Point:
    date: dt.date
    value: float | None


@dataclass(frozen=True, kw_only=True)
class Span:
    """Whole UTC days, both ends included."""

    start: dt.date
    end: dt.date


def spans(days: Iterable[dt.date] | None) -> tuple[Span, ...]:
    """Consecutive days merged into spans, in order."""
    found: list[Span] = []
    for day in sorted(set(days or ())):
        if found and found[-1].end + dt.timedelta(days=1) == day:
            found[-1] = Span(start=found[-1].start, end=day)
        else:
            found.append(Span(start=day, end=day))
    return tuple(found)


@dataclass(frozen=True, kw_only=True)
class MetricAnswer:
    value: float | None
    previous: float | None = None
    series: tuple[Point, ...] = ()
    suppressed: Suppression | None = None
    # the days whose protected-region data the value (and the previous value) include
    protected_spans: tuple[Span, ...] = ()
    previous_protected_spans: tuple[Span, ...] = ()

    @property
    def change(self) -> float | None:
        return change(self.value, self.previous)

    @property
    def direction(self) -> Direction | None:
        return direction(self.change)


def change(value: float | None, previous: float | None) -> float | None:
    """(value - previous) / previous; null when either is null or previous is 0."""
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / previous


def direction(delta: float | None) -> Direction | None:
    if delta is None:
        return None
    return Direction.UP if delta > 0 else Direction.DOWN if delta < 0 else Direction.FLAT


def assessment(delta: float | None, polarity: Polarity) -> Assessment | None:
    """GOOD when the metric moved the way its polarity wants, BAD the other way, NEUTRAL when
    it did not move; null when there is no change to judge."""
    if delta is None:
        return None
    if delta == 0:
        return Assessment.NEUTRAL
    rising_is_good = polarity is Polarity.HIGHER_IS_BETTER
    return Assessment.GOOD if (delta > 0) == rising_is_good else Assessment.BAD


def not_launched(days: Iterable[dt.date] = ()) -> MetricAnswer:
    return MetricAnswer(
        value=None,
        series=tuple(Point(date=d, value=None) for d in days),
        suppressed=Suppression.APP_NOT_LAUNCHED,
    )


def counted_cohort_days(start: dt.date, end: dt.date, reporting_day: dt.date, period: int) -> int:
    """How many cohort days D of [start, end] count for a retention period of `period` days:
    those whose return day D + period is on or before the reporting day."""
    last = min(end, reporting_day - dt.timedelta(days=period))
    return max(0, (last - start).days + 1)


def incomplete(answer: MetricAnswer) -> MetricAnswer:
    """`answer` when no day of its range can be judged yet: a null value saying why."""
    if answer.suppressed is not None:
        return answer
    return replace(answer, value=None, suppressed=Suppression.INCOMPLETE_PERIOD)


def hidden(shown_days: Sequence[dt.date] | None, *, protected_only: bool) -> bool:
    """Does the privacy rule hide everything the filters ask for: only protected regions, and
    no day whose protected data the answer may include?"""
    return protected_only and not shown_days


@dataclass(frozen=True, kw_only=True)
class Grains:
    """The rows of one statement for one key, by grain."""

    current: Mapping[str, Any] | None
    previous: Mapping[str, Any] | None
    days: tuple[Mapping[str, Any], ...]

    @classmethod
    def of(cls, rows: Iterable[Any]) -> Grains:
        """Rows (mappings or records) of one statement, sorted into grains."""
        current = previous = None
        days = []
        for row in rows:
            grain = row["grain_id"]
            if grain == CURRENT:
                current = row
            elif grain == PREVIOUS:
                previous = row
            else:
                days.append(row)
        days.sort(key=lambda r: r["grain_id"])
        return cls(current=current, previous=previous, days=tuple(days))

    def answer(self, column: str, *, protected_only: bool, till: bool = False) -> MetricAnswer:
        """The value, previous value and series of `column`; each is withheld (null) when the
        filters ask only for protected regions and it may include none of their days. `till`:
        the column counts up to each grain's last day (its protected days: `shown_till`)."""
        days_of = "shown_till" if till else "shown_days"

        def shown(row: Mapping[str, Any] | None) -> Any:
            if row is None or hidden(row[days_of], protected_only=protected_only):
                return None
            return row[column]

        current_hidden = self.current is not None and hidden(
            self.current[days_of], protected_only=protected_only
        )
        return MetricAnswer(
            value=shown(self.current),
            previous=shown(self.previous),
            series=tuple(Point(date=row["grain_day"], value=shown(row)) for row in self.days),
            suppressed=Suppression.PRIVACY_THRESHOLD if current_hidden else None,
            protected_spans=spans(self.current[days_of] if self.current else ()),
            previous_protected_spans=spans(self.previous[days_of] if self.previous else ()),
        )
