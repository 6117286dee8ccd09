"""What a caller asks the compiler for: typed queries, and what the compiler gives back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from semantic.engines import Engine
from semantic.model import AppKind

FilterValue = str | bool | tuple[str, ...]


def _no_filters() -> Mapping[str, FilterValue]:
    return MappingProxyType({})


class Granularity(StrEnum):
    """The buckets of a series: UTC days, ISO weeks (Monday to Sunday) or calendar months;
    each bucket is clipped to the range."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    def bucket_start(self, day: dt.date) -> dt.date:
        """The first day of the whole (unclipped) bucket holding `day`."""
        if self is Granularity.WEEK:
            return day - dt.timedelta(days=day.weekday())
        if self is Granularity.MONTH:
            return day.replace(day=1)
        return day


@dataclass(frozen=True, kw_only=True)
class DateRange:
    """Whole UTC days, both ends included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        """The period of the same length ending the day before `start`."""
        end = self.start - dt.timedelta(days=1)
        return DateRange(start=end - dt.timedelta(days=self.days - 1), end=end)

    def each_day(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def buckets(self, granularity: Granularity) -> list[DateRange]:
        """The range's days, ISO weeks or calendar months, each clipped to the range."""
        found: list[DateRange] = []
        for day in self.each_day():
            if found and granularity.bucket_start(day) == granularity.bucket_start(found[-1].end):
                found[-1] = DateRange(start=found[-1].start, end=day)
            else:
                found.append(DateRange(start=day, end=day))
        return found


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Which app, module, days and filters an answer covers."""

    app_id: str
    kind: AppKind
    module: str
    range: DateRange
    reporting_day: dt.date
    filters: Mapping[str, FilterValue] = field(default_factory=_no_filters)
    privacy: bool = True  # apply the protected-region threshold of the model's config
    # the last day the app's derived tables are built through and current, if they are
    derived_through: dt.date | None = None
    # privacy cells: decided for blocks ending `late_days` before the reporting day; read
    # from what the refresh stored when current (`cells_stored`), else decided in the
    # statement; `cells_shown`: whether any cell of the app is shown
    late_days: int = 3
    cells_stored: bool = False
    cells_shown: bool = True
    engine: Engine = Engine.POSTGRES  # the SQL engine the statement is compiled for


@dataclass(frozen=True, kw_only=True)
class MetricQuery:
    scope: Scope
    metrics: tuple[str, ...]
    compare: bool = True
    series: bool = False
    granularity: Granularity = Granularity.DAY  # of the series
    breakdown: str | None = None  # a dimension of the module


@dataclass(frozen=True, kw_only=True)
class RetentionQuery:
    scope: Scope
    period: int
    cohort: str | None = None  # cohort type; the view's default when None
    compare: bool = True
    series: bool = False
    granularity: Granularity = Granularity.DAY  # of the rate's series (the cohort rows: DAY)


@dataclass(frozen=True, kw_only=True)
class DistributionQuery:
    scope: Scope
    dimension: str


@dataclass(frozen=True, kw_only=True)
class FunnelQuery:
    scope: Scope


@dataclass(frozen=True, kw_only=True)
class TableQuery:
    scope: Scope
    table: str
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True, kw_only=True)
class CompiledQuery:
    """One PostgreSQL statement and its bind parameters ($1, $2, ... in order)."""

    sql: str
    params: tuple[Any, ...]
    columns: tuple[str, ...] = ()  # the value columns, in order, after the key columns
    names: tuple[str | None, ...] = ()  # what each parameter is (None: not named)


class QueryError(ValueError):
    """The query asks for something the module does not offer; the message says what."""
