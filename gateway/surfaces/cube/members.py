"""The cubes of a semantic model: one per module and app kind, named `<kind>_<module>`.

A cube's measures are the module's metrics (and, for retention, the rate per period); its
dimensions are `app_id`, the time dimension `date`, the dimensions its metrics break down by,
and one per module filter (filter-only when the metrics do not break down by it); its segments
are the values of the filters that are not dimensions of the data (user type, parameters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from gateway.schema.naming import camel, enum_member
from semantic.model import (
    Agg,
    AppKind,
    FilterKind,
    MetricKind,
    Module,
    SemanticModel,
    Unit,
    Window,
)

APP_ID = "app_id"
DATE = "date"
COHORT = "cohort"


class Target(StrEnum):
    """How a filter's value is written in the GraphQL filter input."""

    VALUES = "values"  # data values of a dimension: enum members or text
    ENUM = "enum"  # one of a closed list, as an enum member
    BOOLEAN = "boolean"


@dataclass(frozen=True, kw_only=True)
class FilterTarget:
    variable: str  # the field of the module's GraphQL filter input
    target: Target
    multiple: bool = False
    values: tuple[str, ...] | None = None  # the closed set of values, when there is one
    enum: bool = False  # values are written as GraphQL enum members

    def graphql_value(self, value: str) -> str | bool:
        if self.target is Target.BOOLEAN:
            return value == "true"
        return enum_member(value) if self.enum else value


@dataclass(frozen=True, kw_only=True)
class CubeMeasure:
    name: str  # short name, e.g. active_users
    title: str
    description: str
    unit: str
    type: str  # Cube's measure type
    format: str | None
    selection: str  # the GraphQL field, e.g. `activeUsers` or `r7: rate(period: DAY_7)`
    key: str  # the answer's key for it
    cumulative: bool = False
    higher_is_better: bool = True
    breaks_down: bool = True


@dataclass(frozen=True, kw_only=True)
class CubeDimension:
    name: str
    title: str
    description: str
    type: str = "string"  # Cube's dimension type
    breakdown: str | None = None  # the GraphQL breakdown enum member, when metrics group by it
    filter: FilterTarget | None = None  # the module filter it narrows, when there is one

    @property
    def filter_only(self) -> bool:
        return self.breakdown is None and self.name not in (APP_ID, DATE)


@dataclass(frozen=True, kw_only=True)
class CubeSegment:
    """A named filter: `dimension` equals `value`."""

    name: str
    title: str
    description: str
    dimension: str
    value: str


@dataclass(frozen=True, kw_only=True)
class Cube:
    name: str
    title: str
    description: str
    kind: AppKind
    module: Module
    measures: Mapping[str, CubeMeasure] = field(default_factory=dict)
    dimensions: Mapping[str, CubeDimension] = field(default_factory=dict)
    segments: Mapping[str, CubeSegment] = field(default_factory=dict)

    @property
    def module_field(self) -> str:
        return camel(self.module.id)

    @property
    def root(self) -> str:
        return self.kind.value

    def member(self, name: str) -> str:
        return f"{self.name}.{name}"


_AGG_TYPES = {
    Agg.COUNT: "count",
    Agg.COUNT_DISTINCT: "count_distinct",
    Agg.SUM: "sum",
    Agg.AVG: "avg",
    Agg.MIN: "min",
    Agg.MAX: "max",
}


def _format(unit: Unit) -> str | None:
    return {Unit.FRACTION: "percent", Unit.USD: "currency"}.get(unit, "number")


def _metric_measures(model: SemanticModel, module: Module) -> dict[str, CubeMeasure]:
    measures: dict[str, CubeMeasure] = {}
    for ref in module.metrics:
        metric = model.metrics[ref.name]
        agg_type, cumulative = "number", False
        if metric.kind is MetricKind.SIMPLE and metric.measure is not None:
            measure = model.measure(metric.measure)
            agg_type = (
                _AGG_TYPES.get(measure.agg, "number") if measure.per_user is None else ("number")
            )
            cumulative = measure.window is Window.CUMULATIVE
        measures[metric.name] = CubeMeasure(
            name=metric.name,
            title=metric.label,
            description=metric.description,
            unit=metric.unit.value,
            type=agg_type,
            format=_format(metric.unit),
            selection=camel(metric.name),
            key=camel(metric.name),
            cumulative=cumulative,
            higher_is_better=metric.direction.value == "higher_is_better",
            breaks_down=bool(module.dimensions),
        )
    if module.retention is not None:
        view = module.retention
        for period in view.periods:
            name = f"{view.name}_day_{period}"
            key = camel(name)
            measures[name] = CubeMeasure(
                name=name,
                title=f"{view.label} (day {period})",
                description=view.description,
                unit=Unit.FRACTION.value,
                type="number",
                format="percent",
                selection=f"{key}: rate(period: DAY_{period})",
                key=key,
                breaks_down=False,
            )
    return measures


def _dimensions(model: SemanticModel, module: Module) -> dict[str, CubeDimension]:
    kind = module.kind.value
    dimensions = {
        APP_ID: CubeDimension(
            name=APP_ID,
            title="App",
            description=f"The {kind}'s id; every query reads one app unless it groups by app_id.",
        ),
        DATE: CubeDimension(
            name=DATE,
            title="Date",
            type="time",
            description="The UTC day; granularity day, week or month; at most "
            f"{model.config.max_range_days} days, ending on or before the reporting day.",
        ),
    }
    grouped = {d.name for d in module.dimensions}
    for name in grouped:
        data = model.dimensions[name]
        dimensions[name] = CubeDimension(
            name=name,
            title=data.label,
            description=data.description,
            breakdown=enum_member(name),
        )
    for ref in module.filters:
        definition = model.filters[ref.name]
        variable = camel(definition.name)
        if definition.kind is FilterKind.DIMENSION:
            assert definition.dimension is not None
            data = model.dimensions[definition.dimension.name]
            target = FilterTarget(
                variable=variable,
                target=Target.VALUES,
                multiple=definition.multiple,
                values=data.values,
                enum=bool(data.values) and not definition.multiple,
            )
            existing = dimensions.get(data.name)
            dimensions[data.name] = CubeDimension(
                name=data.name,
                title=data.label,
                description=definition.description or data.description,
                breakdown=existing.breakdown if existing else None,
                filter=target,
            )
            continue
        if definition.kind is FilterKind.USER_TYPE:
            target = FilterTarget(
                variable=variable, target=Target.ENUM, values=("NEW", "RETURNING"), enum=True
            )
        elif definition.values:
            target = FilterTarget(
                variable=variable, target=Target.ENUM, values=definition.values, enum=True
            )
        else:
            target = FilterTarget(
                variable=variable, target=Target.BOOLEAN, values=("true", "false")
            )
        dimensions[definition.name] = CubeDimension(
            name=definition.name,
            title=definition.label,
            type="boolean" if target.target is Target.BOOLEAN else "string",
            description=definition.description,
            filter=target,
        )
    if module.retention is not None:
        view = module.retention
        dimensions[COHORT] = CubeDimension(
            name=COHORT,
            title="Cohort type",
            description=f"Who forms a cohort; {view.default_cohort} when not filtered.",
            filter=FilterTarget(
                variable=COHORT, target=Target.ENUM, values=tuple(view.cohorts), enum=True
            ),
        )
    return dimensions


def _segments(dimensions: Mapping[str, CubeDimension]) -> dict[str, CubeSegment]:
    segments: dict[str, CubeSegment] = {}
    for dimension in dimensions.values():
        target = dimension.filter
        if target is None or target.target is Target.VALUES or not target.values:
            continue
        for value in target.values:
            name = f"{dimension.name}_{value}".lower()
            segments[name] = CubeSegment(
                name=name,
                title=f"{dimension.title}: {value}",
                description=dimension.description,
                dimension=dimension.name,
                value=value,
            )
    return segments


def cubes_of(model: SemanticModel) -> dict[str, Cube]:
    """Every cube of the model, by name, for the modules that have metrics."""
    cubes: dict[str, Cube] = {}
    for (kind, module_id), module in model.modules.items():
        measures = _metric_measures(model, module)
        if not measures:
            continue
        dimensions = _dimensions(model, module)
        name = f"{kind.value}_{module_id}"
        cubes[name] = Cube(
            name=name,
            title=f"{kind.value.capitalize()}: {module.label}",
            description=module.description,
            kind=kind,
            module=module,
            measures=measures,
            dimensions=dimensions,
            segments=_segments(dimensions),
        )
    return cubes


_CACHE: dict[int, tuple[SemanticModel, dict[str, Cube]]] = {}


def cubes_for(model: SemanticModel) -> dict[str, Cube]:
    """`cubes_of(model)`, built once per model object (models are immutable)."""
    cached = _CACHE.get(id(model))
    if cached is None or cached[0] is not model:
        cached = (model, cubes_of(model))
        _CACHE[id(model)] = cached
    return cached[1]
