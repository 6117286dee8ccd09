"""GraphQL types that do not depend on the model's content."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from typing import Any

import strawberry

from gateway.answers import Assessment, Direction, MetricAnswer, Suppression
from gateway.ranges import Preset
from semantic.model import Direction as Polarity
from semantic.query import Granularity

SuppressionEnum = strawberry.enum(
    Suppression, name="Suppression", description="Why a value is withheld."
)
DirectionEnum = strawberry.enum(
    Direction, name="Direction", description="Sign of the change against the previous period."
)
PolarityEnum = strawberry.enum(
    Polarity, name="Polarity", description="Which way a metric is better: a rising stutter "
    "rate is bad news, a rising active-user count good news."
)
AssessmentEnum = strawberry.enum(
    Assessment,
    name="Assessment",
    description="Whether the change against the previous period is good or bad news, by the "
    "metric's polarity (for colours: GOOD green, BAD red).",
)
GranularityEnum = strawberry.enum(
    Granularity,
    name="Granularity",
    description="The buckets of a series: DAY (UTC days), WEEK (ISO weeks, Monday to Sunday) "
    "or MONTH (calendar months), each clipped to the filter's range. A point is the metric over "
    "its whole bucket (distinct users of a week are distinct over the week, not a sum of days); "
    "its `date` is the bucket's first day within the range (a range starting on a Thursday "
    "begins with a week dated that Thursday).",
)
SERIES = (
    "the metric over each day (by default), ISO week or calendar month of the range: each point "
    "is the metric over its whole bucket, clipped to the range, and is dated by the bucket's "
    "first day within the range"
)
RangePreset = strawberry.enum(
    Preset,
    name="RangePreset",
    description="YESTERDAY, LAST_7_DAYS and LAST_30_DAYS end on the reporting day (yesterday, "
    "UTC). LAST_WEEK, LAST_4_WEEKS and LAST_12_WEEKS are the last complete ISO week, 4-week and "
    "12-week blocks of the privacy calendar whose cells are decided: ranges aligned to the "
    "blocks, so that they can include protected-region data (see `privacy`).",
)


@strawberry.enum(description="NEW users began in the range; RETURNING users began before it.")
class UserType(Enum):
    ALL = "ALL"
    NEW = "NEW"
    RETURNING = "RETURNING"


@strawberry.enum(description="Days between a cohort day and the day a return is looked for.")
class RetentionPeriod(Enum):
    DAY_1 = 1
    DAY_7 = 7
    DAY_14 = 14
    DAY_30 = 30


@strawberry.enum(description="Status of an app in the store.")
class AppStatus(Enum):
    LAUNCHED = "launched"
    UNRELEASED = "unreleased"


@strawberry.input(description="A preset, or a custom start and end (whole UTC days, at most 90).")
class RangeInput:
    preset: RangePreset | None = None  # type: ignore[valid-type]
    start: dt.date | None = None
    end: dt.date | None = None


WHOLE = (
    "the value as a whole number, for metrics that count (users, sessions, orders...: the "
    "catalog's `integer`); null for the others"
)


@strawberry.type(
    description="A metric's value on one day, or over one week or month of the range (`date`: "
    "the bucket's first day within the range)."
)
class Point:
    date: dt.date
    value: float | None
    value_int: int | None = strawberry.field(default=None, description=WHOLE)


@strawberry.type(description="Whole UTC days, both ends included.")
class DaySpan:
    start: dt.date
    end: dt.date


@strawberry.type(
    description="Which days' protected-region data (US) a value includes: only days that "
    "shown privacy cells lying wholly inside the value's range (and os filter) hold; the "
    "other days' protected data is left out of it. The rule and the cells: `privacy`."
)
class ProtectedData:
    included: list[DaySpan] = strawberry.field(
        description="the days of the range whose protected data the value includes"
    )
    previous_included: list[DaySpan] = strawberry.field(
        description="the same for the previous value, over the previous period's days"
    )
    complete: bool = strawberry.field(
        description="the value includes the protected data of every day of its range"
    )
    comparable: bool = strawberry.field(
        description="value and previous include protected data of the same days of their "
        "periods (the same spans a period apart): false flags a change that partly comes "
        "from protected data entering or leaving"
    )


def protected_data(answer: MetricAnswer, days: int) -> ProtectedData:
    """What `answer` says of its protected data, for a range of `days` days."""
    shift = dt.timedelta(days=days)
    current = [(s.start, s.end) for s in answer.protected_spans]
    before = [(s.start + shift, s.end + shift) for s in answer.previous_protected_spans]
    covered = sum((s.end - s.start).days + 1 for s in answer.protected_spans)
    return ProtectedData(
        included=[DaySpan(start=s.start, end=s.end) for s in answer.protected_spans],
        previous_included=[
            DaySpan(start=s.start, end=s.end) for s in answer.previous_protected_spans
        ],
        complete=covered == days,
        comparable=current == before,
    )


# the points of a series of another granularity than those already answered
MorePoints = Callable[[Granularity], Awaitable[list[Point]]]


async def series_points(
    points: Mapping[Granularity, list[Point]], more: MorePoints | None, granularity: Granularity
) -> list[Point]:
    """The points of `granularity`: answered with the field's own statement when its selection
    asked for them (every alias of `series`), else asked now."""
    found = points.get(granularity)
    if found is not None or more is None:
        return found or []
    return await more(granularity)


async def resolve_series(self: Any, granularity: Granularity = Granularity.DAY) -> list[Point]:
    """`series(granularity:)` of a metric or breakdown row (its `points` and `more`)."""
    return await series_points(self.points, self.more, granularity)


@strawberry.type(description="A metric restricted to one value of a dimension.")
class BreakdownRow:
    key: str | None
    value: float | None
    share: float | None = strawberry.field(
        description="value over the metric's total, for metrics that add up (counts, sums)"
    )
    series: list[Point] = strawberry.field(
        resolver=resolve_series, description="for trends by this key: " + SERIES
    )
    value_int: int | None = strawberry.field(default=None, description=WHOLE)
    protected: ProtectedData | None = strawberry.field(
        default=None, description="which days' protected-region data the row includes"
    )
    points: strawberry.Private[Mapping[Granularity, list[Point]]] = dataclasses.field(
        default_factory=dict
    )
    more: strawberry.Private[MorePoints | None] = None


def whole(value: float | None, integer: bool) -> int | None:
    """`value` as the whole number it is, for a metric that counts; else None."""
    return round(value) if integer and value is not None else None


@strawberry.type(description="What a retention period can show for the filter's range.")
class RetentionPeriodOption:
    period: RetentionPeriod
    counted_days: int = strawberry.field(
        description="cohort days of the range whose return day is on or before the reporting "
        "day: the rate is over these, and is null (INCOMPLETE_PERIOD) when there are none"
    )
    complete: bool = strawberry.field(description="every cohort day of the range counts")


@strawberry.type(description="One cohort day of a retention table.")
class CohortRow:
    date: dt.date
    cohort_size: int | None
    retained: int | None = strawberry.field(
        description="null while the return day is after the reporting day"
    )
    rate: float | None


@strawberry.type(description="Users under one value of a dimension, each counted once.")
class DistributionRow:
    key: str | None
    users: int
    share: float | None


@strawberry.type(description="One step of a conversion funnel.")
class FunnelStep:
    step: str
    label: str
    pv: int | None
    conversion_from_previous: float | None
    conversion_from_first: float | None
    suppressed: Suppression | None = strawberry.field(
        default=None, description="why the step's figures are withheld, when they are"
    )
