"""The semantic model: frozen dataclasses with typed references between them.

A model is built by `semantic.loader` from the YAML under `semantic/models/` and checked by
`semantic.validation`; the compiler only ever sees a model that passed validation. Every
object keeps the `Location` of its YAML key so that problems point at a file and line.

SQL fragments in the model (`where`, `expr`, `column`) are written by analysts, parsed by
sqlglot and may only name columns of their source and `:parameters` declared as filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar


@dataclass(frozen=True, kw_only=True, order=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


UNKNOWN = Location(file="<model>", line=0)


# Typed references: a name and where it was written, resolved against the model.
@dataclass(frozen=True, kw_only=True)
class Ref:
    name: str
    location: Location = field(default=UNKNOWN, compare=False)

    def __str__(self) -> str:
        return self.name


class SourceRef(Ref):
    pass


class MeasureRef(Ref):
    """`source.measure`."""

    @property
    def source(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def measure(self) -> str:
        return self.name.split(".", 1)[-1]


class MetricRef(Ref):
    pass


class DimensionRef(Ref):
    pass


class SegmentRef(Ref):
    pass


class FilterRef(Ref):
    pass


class AppKind(StrEnum):
    GAME = "game"
    DRAMA = "drama"


class Agg(StrEnum):
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    MEDIAN = "median"
    PERCENTILE = "percentile"
    WEIGHTED_AVG = "weighted_avg"


class Window(StrEnum):
    """Which rows a measure reads, relative to the range [start, end] of each answer."""

    RANGE = "range"  # rows whose day is in the range
    CUMULATIVE = "cumulative"  # rows whose day is on or before the range's end ("till date")
    TO_REPORTING_DAY = "to_reporting_day"  # rows from the member's day up to the reporting day


class Unit(StrEnum):
    USERS = "users"
    SESSIONS = "sessions"
    LAUNCHES = "launches"
    ORDERS = "orders"
    EVENTS = "events"
    REPORTS = "reports"
    CALLS = "calls"
    MS = "ms"
    FPS = "fps"
    BEANS = "beans"
    USD = "usd"
    FRACTION = "fraction"


# Units that count things: dividing by one of them gives "per thing" of the numerator's unit.
COUNT_UNITS = frozenset(
    {Unit.USERS, Unit.SESSIONS, Unit.LAUNCHES, Unit.ORDERS, Unit.EVENTS, Unit.REPORTS, Unit.CALLS}
)


class MetricKind(StrEnum):
    SIMPLE = "simple"  # one measure
    RATIO = "ratio"  # numerator / denominator, each aggregated on its own; null on zero
    DERIVED = "derived"  # an expression over other metrics and config constants


class FilterKind(StrEnum):
    DIMENSION = "dimension"  # rows whose dimension value is (one of) the given value(s)
    USER_TYPE = "user_type"  # NEW / RETURNING users by their first day relative to the range
    PARAMETER = "parameter"  # a value that model expressions read as `:name`


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


@dataclass(frozen=True, kw_only=True)
class Dimension:
    name: str
    label: str
    column: str  # SQL expression over the source's columns, usually a column name
    values: tuple[str, ...] | None = None  # known values, when the set is closed
    description: str = ""
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Match:
    """Another row of the same user in `source` that happened at or before this row, no more
    than `within_days` days before it (and on the same UTC day when `same_day`)."""

    source: SourceRef
    within_days: int
    same_day: bool = False
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Measure:
    name: str
    source: SourceRef
    agg: Agg
    expr: str | None = None  # the aggregated expression; none for count
    where: str | None = None  # rows the measure reads, beyond its source's own `where`
    weight: str | None = None  # weighted_avg: sum(expr * weight) / sum(weight)
    percentile: float | None = None  # percentile: 0 < p < 1, continuous
    per_user: Agg | None = None  # two stages: aggregate per user first, then `agg` over users
    per_user_min: float | None = None  # ... counting only users whose per-user value >= this
    window: Window = Window.RANGE
    members: SegmentRef | None = None  # only rows of users in this segment (see Segment)
    raw_only: str | None = None  # why no derived table can answer it: read from the raw rows
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Source:
    """Rows the measures read: a table, or each user's first row of another source.

    `first_of` gives one row per user: their earliest row of that source ever, with no
    filter applied before choosing it (the first-session rule); filters then apply to it.
    `requires` keeps only rows that have a matching row in another source;
    `flags` are boolean columns, true where a row has such a match.
    """

    name: str
    table: str | None = None
    first_of: SourceRef | None = None
    time: str = ""  # timestamptz column (or date column when `time_is_date`)
    time_is_date: bool = False
    key: str = ""  # primary-key column: breaks ties between rows at the same time
    user: str | None = "user_id"
    where: str | None = None
    dimensions: tuple[DimensionRef, ...] = ()
    requires: tuple[Match, ...] = ()
    flags: Mapping[str, Match] = field(default_factory=lambda: MappingProxyType({}))
    measures: Mapping[str, Measure] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A set of users, per answer: those with a row of `source` (passing `where` and the
    answer's filters) in the range, or on or before its end when `window` is cumulative,
    and, with `active_on_reporting_day`, a row of that source on the reporting day.
    A member's day is the day of their first such row."""

    name: str
    source: SourceRef
    where: str | None = None
    window: Window = Window.RANGE
    active_on_reporting_day: SourceRef | None = None
    description: str = ""
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Metric:
    name: str
    label: str
    description: str
    unit: Unit
    kind: MetricKind
    measure: MeasureRef | None = None  # simple
    numerator: MetricRef | MeasureRef | None = None  # ratio
    denominator: MetricRef | MeasureRef | None = None  # ratio
    expr: str | None = None  # derived: metric names, config constants, numbers, + - * /
    direction: Direction = Direction.HIGHER_IS_BETTER
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Filter:
    name: str
    kind: FilterKind
    label: str
    dimension: DimensionRef | None = None  # dimension filters
    multiple: bool = False  # a list of values rather than one
    first_of: SourceRef | None = None  # user_type: whose first row decides NEW / RETURNING
    values: tuple[str, ...] = ()  # parameter filters: allowed values (empty: boolean)
    default: str | bool | None = None
    description: str = ""
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Retention:
    """Share of a cohort (users new or active on day D) with a row of `activity` on D+N."""

    name: str
    label: str
    description: str
    activity: SourceRef
    cohorts: Mapping[str, SourceRef]  # cohort type (NEW, ACTIVE) -> source of cohort rows
    default_cohort: str
    periods: tuple[int, ...]
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """Users counted once under the value of their latest row in the range."""

    name: str
    label: str
    description: str
    source: SourceRef
    dimensions: tuple[DimensionRef, ...]
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class FunnelStep:
    id: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Funnel:
    name: str
    label: str
    description: str
    source: SourceRef
    step_column: str
    steps: tuple[FunnelStep, ...]
    where: str | None = None
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class TableColumn:
    name: str
    label: str
    agg: Agg
    expr: str | None = None
    unit: Unit = Unit.EVENTS


@dataclass(frozen=True, kw_only=True)
class Table:
    """Rows of `source` grouped by dimensions, largest first, paged."""

    name: str
    label: str
    description: str
    source: SourceRef
    group_by: tuple[DimensionRef, ...]
    columns: tuple[TableColumn, ...]
    order_by: str  # a column name; always descending, ties by the group keys
    where: str | None = None
    default_limit: int = 10
    max_limit: int = 100
    paged: bool = True
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Module:
    id: str
    kind: AppKind
    label: str
    description: str
    metrics: tuple[MetricRef, ...] = ()
    dimensions: tuple[DimensionRef, ...] = ()  # breakdowns offered
    filters: tuple[FilterRef, ...] = ()
    retention: Retention | None = None
    distribution: Distribution | None = None
    funnel: Funnel | None = None
    tables: tuple[Table, ...] = ()
    location: Location = UNKNOWN


@dataclass(frozen=True, kw_only=True)
class ErrorCode:
    family: str  # network, ads
    code: str
    meaning: str


@dataclass(frozen=True, kw_only=True)
class Privacy:
    threshold: int = 1000
    protected_regions: tuple[str, ...] = ("US",)
    source: SourceRef = field(default_factory=lambda: SourceRef(name="sessions"))
    region_dimension: DimensionRef = field(default_factory=lambda: DimensionRef(name="region"))
    os_dimension: DimensionRef = field(default_factory=lambda: DimensionRef(name="os"))
    # The calendar of cells: block lengths in days, each a multiple of the one before, counted
    # from `epoch` (a Monday, so that 7-day blocks are ISO weeks and every block nests).
    epoch: dt.date = dt.date(2024, 1, 1)
    blocks: tuple[int, ...] = (1, 7, 28, 84)


@dataclass(frozen=True, kw_only=True)
class Config:
    constants: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"bean_usd_rate": 0.01})
    )
    privacy: Privacy = Privacy()
    max_range_days: int = 90


K = TypeVar("K")
V = TypeVar("V")


def frozen_map(items: Mapping[K, V] | None = None) -> Mapping[K, V]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, kw_only=True)
class SemanticModel:
    sources: Mapping[str, Source] = field(default_factory=frozen_map)
    dimensions: Mapping[str, Dimension] = field(default_factory=frozen_map)
    segments: Mapping[str, Segment] = field(default_factory=frozen_map)
    metrics: Mapping[str, Metric] = field(default_factory=frozen_map)
    filters: Mapping[str, Filter] = field(default_factory=frozen_map)
    modules: Mapping[tuple[AppKind, str], Module] = field(default_factory=frozen_map)
    error_codes: tuple[ErrorCode, ...] = ()
    config: Config = Config()

    def measure(self, ref: MeasureRef) -> Measure:
        return self.sources[ref.source].measures[ref.measure]

    def module(self, kind: AppKind, module_id: str) -> Module:
        return self.modules[(kind, module_id)]

    def modules_of(self, kind: AppKind) -> list[Module]:
        return [m for (k, _), m in self.modules.items() if k is kind]
