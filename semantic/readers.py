"""One reader per kind of YAML object: a mapping's `Fields` in, a model dataclass out.

Readers never give up on an object for a bad value: they report it and use a placeholder,
so that references to the object do not turn into further, misleading problems. A missing
required reference becomes a Ref with an empty name, which validation does not report again.
"""

from __future__ import annotations

from collections.abc import Mapping

from semantic.fields import Fields, parse_choice, peek
from semantic.model import (
    Agg,
    AppKind,
    Dimension,
    DimensionRef,
    Direction,
    Distribution,
    Filter,
    FilterKind,
    FilterRef,
    Funnel,
    FunnelStep,
    Match,
    Measure,
    MeasureRef,
    Metric,
    MetricKind,
    MetricRef,
    Module,
    Retention,
    Segment,
    SegmentRef,
    Source,
    SourceRef,
    Table,
    TableColumn,
    Unit,
    Window,
    frozen_map,
)
from semantic.yaml_nodes import Key, Node, Scalar

NO_SOURCE = SourceRef(name="")  # a required source that is missing (already reported)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def read_dimension(fields: Fields, *, name: str) -> Dimension:
    values = fields.names("values") if fields.has("values") else None
    dimension = Dimension(
        name=name,
        label=fields.text("label", required=True) or name,
        column=fields.sql("column") or name,
        values=None if values is None else tuple(str(v.value) for v in values),
        description=fields.text("description") or "",
        location=fields.location,
    )
    fields.done()
    return dimension


FILTER_KEYS = ("dimension", "user_type", "parameter")


def _parameter_values(fields: Fields) -> tuple[str, ...]:
    node = fields.node("parameter")
    if node is None or (isinstance(node, Scalar) and node.value == "boolean"):
        return ()
    if isinstance(node, Scalar):
        fields.wrong("parameter", node, "boolean or a list of values")
        return ()
    return tuple(str(name.value) for name in fields.names("parameter"))


def _default(fields: Fields) -> str | bool | None:
    node = fields.node("default")
    if node is None:
        return None
    if isinstance(node, Scalar) and isinstance(node.value, str | bool):
        return node.value
    fields.wrong("default", node, "text or true/false")
    return None


def read_filter(fields: Fields, *, name: str) -> Filter:
    given = [key for key in FILTER_KEYS if fields.has(key)]
    if len(given) != 1:
        fields.report.add(fields.line, f"filter {name} needs exactly one of dimension, "
                                       f"user_type, parameter")
    kind = {"dimension": FilterKind.DIMENSION, "user_type": FilterKind.USER_TYPE}.get(
        given[0] if given else "", FilterKind.PARAMETER)
    result = Filter(
        name=name,
        kind=kind,
        label=fields.text("label", required=True) or name,
        dimension=fields.ref("dimension", DimensionRef),
        multiple=bool(fields.boolean("multiple")),
        first_of=fields.ref("user_type", SourceRef),
        values=_parameter_values(fields),
        default=_default(fields),
        description=fields.text("description") or "",
        location=fields.location,
    )
    fields.done()
    return result


def read_match(fields: Fields) -> Match:
    match = Match(
        source=fields.ref("source", SourceRef, required=True) or NO_SOURCE,
        within_days=_or(fields.integer("within_days", required=True), 0),
        same_day=bool(fields.boolean("same_day")),
        location=fields.location,
    )
    fields.done()
    return match


def read_measure(fields: Fields, *, source: str, name: str) -> Measure:
    expr = fields.sql("expr")
    measure = Measure(
        name=name,
        source=SourceRef(name=source, location=fields.location),
        agg=fields.choice("agg", Agg, required=True) or (Agg.COUNT if expr is None else Agg.SUM),
        expr=expr,
        where=fields.sql("where"),
        weight=fields.sql("weight"),
        percentile=fields.number("percentile"),
        per_user=fields.choice("per_user", Agg),
        per_user_min=fields.number("per_user_min"),
        window=fields.choice("window", Window) or Window.RANGE,
        members=fields.ref("members", SegmentRef),
        raw_only=fields.text("raw_only"),
        location=fields.location,
    )
    fields.done()
    return measure


def _user_column(fields: Fields) -> str | None:
    if fields.has("user") and fields.node("user") is None:
        return None  # `user: null`: a source without users
    return fields.text("user") or "user_id"


def _sub(fields: Fields, key: Key, node: Node, owner: str) -> Fields:
    return Fields(node, owner=owner, line=key.line, report=fields.report)


def read_source(fields: Fields, *, name: str) -> Source:
    requires = tuple(
        read_match(Fields(item, owner=f"source {name}: requires", line=item.line,
                          report=fields.report))
        for item in fields.items("requires"))
    flags = {key.name: read_match(_sub(fields, key, node, f"flag {name}.{key.name}"))
             for key, node in fields.entries("flags")}
    measures = {key.name: read_measure(_sub(fields, key, node, f"measure {name}.{key.name}"),
                                       source=name, name=key.name)
                for key, node in fields.entries("measures")}
    source = Source(
        name=name,
        table=fields.text("table"),
        first_of=fields.ref("first_of", SourceRef),
        time=fields.text("time") or "",
        time_is_date=bool(fields.boolean("time_is_date")),
        key=fields.text("key") or "",
        user=_user_column(fields),
        where=fields.sql("where"),
        dimensions=fields.refs("dimensions", DimensionRef),
        requires=requires,
        flags=frozen_map(flags),
        measures=frozen_map(measures),
        description=fields.text("description") or "",
        location=fields.location,
    )
    fields.done()
    return source


def read_segment(fields: Fields, *, name: str) -> Segment:
    segment = Segment(
        name=name,
        source=fields.ref("source", SourceRef, required=True) or NO_SOURCE,
        where=fields.sql("where"),
        window=fields.choice("window", Window) or Window.RANGE,
        active_on_reporting_day=fields.ref("active_on_reporting_day", SourceRef),
        description=fields.text("description") or "",
        location=fields.location,
    )
    fields.done()
    return segment


def _operand(fields: Fields, key: str) -> MetricRef | MeasureRef | None:
    ref = fields.ref(key, MetricRef)
    if ref is None or "." not in ref.name:
        return ref
    return MeasureRef(name=ref.name, location=ref.location)


def read_metric(fields: Fields, *, name: str) -> Metric:
    measure = fields.ref("measure", MeasureRef)
    numerator, denominator = _operand(fields, "numerator"), _operand(fields, "denominator")
    expr = fields.sql("expr")
    kind = (MetricKind.SIMPLE if measure is not None
            else MetricKind.RATIO if numerator is not None or denominator is not None
            else MetricKind.DERIVED if expr is not None else MetricKind.SIMPLE)
    metric = Metric(
        name=name,
        label=fields.text("label", required=True) or name,
        description=fields.text("description", required=True) or "",
        unit=fields.choice("unit", Unit, required=True) or Unit.FRACTION,
        kind=kind,
        measure=measure,
        numerator=numerator,
        denominator=denominator,
        expr=expr,
        direction=fields.choice("direction", Direction) or Direction.HIGHER_IS_BETTER,
        location=fields.location,
    )
    fields.done()
    return metric


def _named(kind: str, node: Node, owner: str) -> str:
    """"table errors of module network", or "table of module network" before it has a name."""
    name = peek(node, "name")
    return f"{kind} {name} of {owner}" if name else f"{kind} of {owner}"


def _view_fields(fields: Fields, key: str, owner: str) -> Fields | None:
    node = fields.node(key)
    if node is None:
        return None
    return Fields(node, owner=_named(key, node, owner), line=fields.key_line(key),
                  report=fields.report)


def _cohorts(fields: Fields) -> Mapping[str, SourceRef]:
    cohorts = {}
    for key, node in fields.entries("cohorts", required=True):
        if isinstance(node, Scalar) and isinstance(node.value, str):
            cohorts[key.name] = SourceRef(name=node.value, location=fields.report.at(node.line))
        else:
            fields.wrong(f"cohort {key.name}", node, "a source name")
    return frozen_map(cohorts)


def _periods(fields: Fields) -> tuple[int, ...]:
    periods = []
    for item in fields.items("periods", required=True):
        if isinstance(item, Scalar) and isinstance(item.value, int) and not isinstance(
                item.value, bool):
            periods.append(item.value)
        else:
            fields.report.add(item.line, f"{fields.owner}: periods must list whole numbers "
                                         f"of days, not {item.describe()}")
    return tuple(periods)


def read_retention(fields: Fields) -> Retention:
    retention = Retention(
        name=fields.text("name", required=True) or "retention",
        label=fields.text("label", required=True) or "",
        description=fields.text("description", required=True) or "",
        activity=fields.ref("activity", SourceRef, required=True) or NO_SOURCE,
        cohorts=_cohorts(fields),
        default_cohort=fields.text("default_cohort", required=True) or "",
        periods=_periods(fields),
        location=fields.location,
    )
    fields.done()
    return retention


def read_distribution(fields: Fields) -> Distribution:
    distribution = Distribution(
        name=fields.text("name", required=True) or "distribution",
        label=fields.text("label", required=True) or "",
        description=fields.text("description", required=True) or "",
        source=fields.ref("source", SourceRef, required=True) or NO_SOURCE,
        dimensions=fields.refs("dimensions", DimensionRef, required=True),
        location=fields.location,
    )
    fields.done()
    return distribution


def _step(fields: Fields, node: Node, number: int) -> FunnelStep:
    step_fields = Fields(node, owner=f"step {number} of {fields.owner}", line=node.line,
                         report=fields.report)
    step = FunnelStep(id=step_fields.text("id", required=True) or "",
                      label=step_fields.text("label", required=True) or "")
    step_fields.done()
    return step


def read_funnel(fields: Fields) -> Funnel:
    funnel = Funnel(
        name=fields.text("name", required=True) or "funnel",
        label=fields.text("label", required=True) or "",
        description=fields.text("description", required=True) or "",
        source=fields.ref("source", SourceRef, required=True) or NO_SOURCE,
        step_column=fields.text("step_column", required=True) or "",
        steps=tuple(_step(fields, item, number)
                    for number, item in enumerate(fields.items("steps", required=True), 1)),
        where=fields.sql("where"),
        location=fields.location,
    )
    fields.done()
    return funnel


def _column(fields: Fields, node: Node, number: int) -> TableColumn:
    name = peek(node, "name") or str(number)
    column_fields = Fields(node, owner=f"column {name} of {fields.owner}", line=node.line,
                           report=fields.report)
    expr = column_fields.sql("expr")
    column = TableColumn(
        name=column_fields.text("name", required=True) or "",
        label=column_fields.text("label", required=True) or "",
        agg=column_fields.choice("agg", Agg, required=True) or (
            Agg.COUNT if expr is None else Agg.SUM),
        expr=expr,
        unit=column_fields.choice("unit", Unit) or Unit.EVENTS,
    )
    column_fields.done()
    return column


def read_table(fields: Fields) -> Table:
    table = Table(
        name=fields.text("name", required=True) or "",
        label=fields.text("label", required=True) or "",
        description=fields.text("description", required=True) or "",
        source=fields.ref("source", SourceRef, required=True) or NO_SOURCE,
        group_by=fields.refs("group_by", DimensionRef, required=True),
        columns=tuple(_column(fields, item, number)
                      for number, item in enumerate(fields.items("columns", required=True), 1)),
        order_by=fields.text("order_by", required=True) or "",
        where=fields.sql("where"),
        default_limit=_or(fields.integer("default_limit"), 10),
        max_limit=_or(fields.integer("max_limit"), 100),
        paged=fields.boolean("paged") is not False,
        location=fields.location,
    )
    fields.done()
    return table


def _kinds(fields: Fields) -> tuple[AppKind, ...]:
    names = fields.names("kinds", required=True)
    if fields.has("kinds") and not names and fields.node("kinds") is not None:
        fields.report.add(fields.key_line("kinds"), f"{fields.owner}: kinds must list game, "
                                                    f"drama or both")
    kinds = (parse_choice(name, AppKind, owner=f"{fields.owner}: kind", report=fields.report)
             for name in names)
    return tuple(dict.fromkeys(kind for kind in kinds if kind is not None))


def read_module(fields: Fields, *, module_id: str) -> list[Module]:
    """One Module per kind the YAML item lists; all share the item's location."""
    owner = fields.owner
    kinds = _kinds(fields)
    label = fields.text("label", required=True) or module_id
    description = fields.text("description", required=True) or ""
    metrics = fields.refs("metrics", MetricRef)
    dimensions = fields.refs("dimensions", DimensionRef)
    filters = fields.refs("filters", FilterRef)
    retention = _view_fields(fields, "retention", owner)
    distribution = _view_fields(fields, "distribution", owner)
    funnel = _view_fields(fields, "funnel", owner)
    tables = tuple(
        read_table(Fields(item, owner=_named("table", item, owner), line=item.line,
                          report=fields.report))
        for item in fields.items("tables"))
    views = (read_retention(retention) if retention else None,
             read_distribution(distribution) if distribution else None,
             read_funnel(funnel) if funnel else None)
    fields.done()
    return [Module(id=module_id, kind=kind, label=label, description=description,
                   metrics=metrics, dimensions=dimensions, filters=filters, retention=views[0],
                   distribution=views[1], funnel=views[2], tables=tables,
                   location=fields.location)
            for kind in kinds]
