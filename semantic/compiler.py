"""Compile a `MetricQuery` into one PostgreSQL statement.

The statement returns one row per grain (see `semantic.grains`: the range, the previous period
and each day, week or month of the series), and per breakdown key when
asked: `grain_id, grain_day, [bkey,] shown_days, <one column per metric>` (`shown_days`: the
days whose protected-region rows the row keeps). Measures that read
the same rows in the same way share one aggregating CTE; ratios and derived metrics combine
measure columns in the final SELECT, so a ratio's parts are aggregated separately.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from semantic.aggregates import ZERO_WHEN_EMPTY
from semantic.grains import add_grains, add_span_bounds, shown_days
from semantic.measures import MeasureCompiler
from semantic.model import (
    AppKind,
    Measure,
    MeasureRef,
    Metric,
    MetricKind,
    Module,
    SemanticModel,
    Window,
)
from semantic.privacy import answer_key
from semantic.query import CompiledQuery, MetricQuery, QueryError
from semantic.relations import Statement
from semantic.rollup_measures import RollupMeasures
from semantic.rollups import RollupPlan
from semantic.routing import Route, route
from semantic.sqlparts import as_float, coalesce_zero, col, nullif_zero, parse, render
from semantic.templates import Templates, scope_shape


def module_of(model: SemanticModel, kind: AppKind, module_id: str) -> Module:
    module = model.modules.get((kind, module_id))
    if module is not None:
        return module
    raise QueryError(f"no module {module_id} for {kind} apps")


# The SQL of a measure's aggregated value in the statement being built.
MeasureColumn = Callable[[MeasureRef], exp.Expr]


class MetricExpressions:
    """Turns metrics into SQL expressions over measure columns."""

    def __init__(self, *, model: SemanticModel, measure_column: MeasureColumn) -> None:
        self.model = model
        self.measure_column = measure_column

    def metric(self, name: str) -> exp.Expr:
        metric = self.model.metrics[name]
        return self._compile(metric)

    def _compile(self, metric: Metric) -> exp.Expr:
        if metric.kind is MetricKind.SIMPLE:
            assert metric.measure is not None
            return self.measure_column(metric.measure)
        if metric.kind is MetricKind.RATIO:
            assert metric.numerator is not None and metric.denominator is not None
            return divide(self._operand(metric.numerator), self._operand(metric.denominator))
        assert metric.expr is not None
        return self._derived(parse(metric.expr))

    def _operand(self, ref: object) -> exp.Expr:
        if isinstance(ref, MeasureRef):
            return self.measure_column(ref)
        return self.metric(str(ref))

    def _derived(self, node: exp.Expr) -> exp.Expr:
        """Rebuild a derived expression bottom-up: names become SQL, divisions null-safe."""
        if isinstance(node, exp.Column):
            if node.table:
                return self.measure_column(MeasureRef(name=f"{node.table}.{node.name}"))
            if node.name in self.model.metrics:
                return exp.Paren(this=self.metric(node.name))
            constant = self.model.config.constants.get(node.name)
            if constant is None:
                raise QueryError(f"unknown name {node.name} in a derived metric")
            return exp.Literal.number(constant)
        if isinstance(node, exp.Div):
            return divide(self._derived(node.this), self._derived(node.expression))
        if isinstance(node, exp.Binary):
            return node.__class__(
                this=self._derived(node.this), expression=self._derived(node.expression)
            )
        if isinstance(node, exp.Paren | exp.Neg):
            return node.__class__(this=self._derived(node.this))
        if isinstance(node, exp.Literal):
            return node.copy()
        raise QueryError(f"derived metrics cannot use {node.sql(dialect='postgres')}")


def divide(numerator: exp.Expr, denominator: exp.Expr) -> exp.Expr:
    """Division that is null, not an error, when the denominator is 0."""
    return exp.Div(this=as_float(numerator), expression=nullif_zero(denominator))


def metric_measures(model: SemanticModel, names: tuple[str, ...]) -> list[MeasureRef]:
    """Every measure the metrics read, in first-use order."""
    found: dict[str, MeasureRef] = {}

    def collect(ref: MeasureRef) -> exp.Expr:
        found.setdefault(ref.name, ref)
        return exp.Literal.number(1)

    expressions = MetricExpressions(model=model, measure_column=collect)
    for name in names:
        expressions.metric(name)
    return list(found.values())


def reads_till_date(model: SemanticModel, name: str) -> bool:
    """Does the metric count users up to the last day of each grain (a till-date window)?
    Its protected data comes from the shown cells ending by that day, not only inside it."""
    for ref in metric_measures(model, (name,)):
        measure = model.measure(ref)
        if measure.window is Window.CUMULATIVE:
            return True
        members = measure.members
        if members is not None and model.segments[members.name].window is Window.CUMULATIVE:
            return True
    return False


def metric_routes(
    model: SemanticModel,
    query: MetricQuery,
    plan: RollupPlan | None,
) -> list[Route]:
    """Where each measure of the query's metrics is read from (see `semantic.routing`)."""
    scope = query.scope
    span_hi = scope.range.end
    within = scope.derived_through is not None and span_hi <= scope.derived_through
    return [
        route(model, plan, scope, ref, breakdown=query.breakdown, span_hi_ok=within)
        for ref in metric_measures(model, query.metrics)
    ]


TEMPLATES = Templates()


def compile_metrics(
    model: SemanticModel,
    query: MetricQuery,
    *,
    pretty: bool = False,
    plan: RollupPlan | None = None,
) -> CompiledQuery:
    """The statement of a metric query; with `plan`, measures that the app's derived tables
    answer exactly are read from them (the scope's `derived_through` says if they are current).
    Statements are kept per query shape (`semantic.templates`)."""
    if pretty:
        return _compile_metrics(model, query, pretty=True, plan=plan)
    key = (
        "metrics",
        scope_shape(model, query.scope),
        query.metrics,
        query.compare,
        query.series,
        query.granularity if query.series else None,
        query.breakdown,
        None if plan is None else plan.signature,
    )

    return TEMPLATES.compiled(
        key,
        model=model,
        scope=query.scope,
        compare=query.compare,
        build=lambda: _compile_metrics(model, query, pretty=False, plan=plan),
    )


def _compile_metrics(
    model: SemanticModel,
    query: MetricQuery,
    *,
    pretty: bool,
    plan: RollupPlan | None,
) -> CompiledQuery:
    scope = query.scope
    module = module_of(model, scope.kind, scope.module)
    offered = {m.name for m in module.metrics}
    for name in query.metrics:
        if name not in offered:
            raise QueryError(f"module {module.id} has no metric {name}")
    if query.breakdown is not None and query.breakdown not in {d.name for d in module.dimensions}:
        raise QueryError(f"module {module.id} cannot break down by {query.breakdown}")

    statement = Statement(model=model, scope=scope)
    add_span_bounds(statement, compare=query.compare)
    grains = add_grains(
        statement, compare=query.compare, series=query.series, granularity=query.granularity
    )
    measures = MeasureCompiler(statement=statement, grains=grains, breakdown=query.breakdown)
    routes = metric_routes(model, query, plan)
    measures.compile([r.ref for r in routes if r.rollup is None])
    derived = RollupMeasures(
        statement=statement,
        grains=grains,
        grain_days=measures.grain_days,
        breakdown=query.breakdown,
    )
    derived.compile([r for r in routes if r.rollup is not None])
    routed = {r.ref.name for r in routes if r.rollup is not None}

    def column(ref: MeasureRef) -> exp.Expr:
        cte, name = (derived if ref.name in routed else measures).location(ref)
        value: exp.Expr = col(name, cte)
        measure: Measure = model.measure(ref)
        return coalesce_zero(value) if measure.agg in ZERO_WHEN_EMPTY else value

    expressions = MetricExpressions(model=model, measure_column=column)
    selects: list[exp.Expr] = [col("grain_id", "g"), col("grain_day", "g")]
    if query.breakdown is not None:
        selects.append(exp.alias_(col("bkey", "k"), "bkey"))
    by_os = query.breakdown == model.config.privacy.os_dimension.name
    key = answer_key(statement, os_row=col("bkey", "k") if by_os else None)
    selects.append(exp.alias_(shown_days(statement, grains, key), "shown_days"))
    if any(reads_till_date(model, name) for name in query.metrics):
        selects.append(exp.alias_(shown_days(statement, grains, key, till=True), "shown_till"))
    for name in query.metrics:
        selects.append(exp.alias_(as_float(expressions.metric(name)), name))

    final = exp.select(*selects).from_(exp.alias_(exp.to_table(grains), "g", table=True))
    if query.breakdown is not None:
        keys = measures.keys_cte(derived.ctes())
        final = final.join(exp.alias_(exp.to_table(keys), "k", table=True), join_type="cross")
    for cte in [*measures.ctes(), *derived.ctes()]:
        on: list[exp.Expr] = [exp.EQ(this=col("grain_id", cte), expression=col("grain_id", "g"))]
        if query.breakdown is not None:
            on.append(exp.NullSafeEQ(this=col("bkey", cte), expression=col("bkey", "k")))
        final = final.join(exp.to_table(cte), on=exp.and_(*on), join_type="left")
    order = [col("grain_id", "g")]
    if query.breakdown is not None:
        order.append(col("bkey", "k"))
    final = statement.with_ctes(final.order_by(*order))
    return CompiledQuery(
        sql=render(final, pretty=pretty, engine=query.scope.engine),
        params=tuple(statement.params.values),
        columns=query.metrics,
        names=tuple(statement.params.names),
    )
