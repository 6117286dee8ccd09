"""From the rows of a compiled statement to the numbers an answer shows.

Rows come keyed by grain (see semantic.grains): 0 the range, 1 the previous period, 2 + i
the i-th day of the range. Here the comparison arithmetic and the privacy suppression are
applied; nothing here touches the database.
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
class MetricAnswer:
    value: float | None
    previous: float | None = None
    series: tuple[Point, ...] = ()
    suppressed: Suppression | None = None

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


def hidden(excluded: Sequence[str] | None, regions: Sequence[str]) -> bool:
    """Does the privacy rule hide everything the region filter asks for?"""
    return bool(regions) and set(regions) <= set(excluded or ())


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

    def answer(self, column: str, *, regions: Sequence[str]) -> MetricAnswer:
        current_hidden = self.current is not None and hidden(self.current["excluded"], regions)
        previous_hidden = self.previous is not None and hidden(self.previous["excluded"], regions)
        value = None if current_hidden or self.current is None else self.current[column]
        before = None if previous_hidden or self.previous is None else self.previous[column]
        series = tuple(
            Point(date=row["grain_day"], value=None if current_hidden else row[column])
            for row in self.days
        )
        return MetricAnswer(
            value=value,
            previous=before,
            series=series,
            suppressed=Suppression.PRIVACY_THRESHOLD if current_hidden else None,
        )
