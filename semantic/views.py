"""Compile the module views that are not metric cards: retention, distributions, the funnel
and grouped tables. Each is one statement over the same grains and row relations."""

from __future__ import annotations

from sqlglot import exp

from semantic.aggregates import aggregate
from semantic.compiler import TEMPLATES, divide, module_of
from semantic.grains import add_grains, add_span_bounds, shown_days
from semantic.measures import MeasureCompiler
from semantic.model import Module, SemanticModel
from semantic.privacy import add_privacy_days, answer_key, applies, is_protected
from semantic.query import (
    CompiledQuery,
    DistributionQuery,
    FunnelQuery,
    Granularity,
    QueryError,
    RetentionQuery,
    Scope,
    TableQuery,
)
from semantic.relations import DAY, Statement
from semantic.rollup_retention import retention_from_rollups
from semantic.rollups import Rollup, RollupPlan
from semantic.routing import Route, users_route
from semantic.sqlparts import col, plus_days, render, values_table
from semantic.templates import scope_shape


def _start(
    model: SemanticModel,
    scope: Scope,
    *,
    compare: bool = False,
    series: bool = False,
    granularity: Granularity = Granularity.DAY,
    plan: RollupPlan | None = None,
) -> tuple[Module, Statement, MeasureCompiler]:
    module = module_of(model, scope.kind, scope.module)
    statement = Statement(model=model, scope=scope)
    add_span_bounds(statement, compare=compare)
    grains = add_grains(statement, compare=compare, series=series, granularity=granularity)
    return module, statement, MeasureCompiler(statement=statement, grains=grains, breakdown=None)


def _grain_rows(
    measures: MeasureCompiler, source_name: str, *, where: str | None = None
) -> exp.Select:
    statement = measures.statement
    source = statement.source(source_name)
    rows = statement.rows(source.name, lo="span_lo", hi="span_hi", filtered=True)
    extra = [statement.expression(where, "r")] if where else []
    return measures._grain_rows(source, rows, extra=extra)


def _current_only(query: exp.Select) -> exp.Select:
    return query.where(exp.EQ(this=col("grain_id", "g"), expression=exp.Literal.number(0)))


def retention_route(
    model: SemanticModel, query: RetentionQuery, plan: RollupPlan | None
) -> tuple[Route, Rollup] | None:
    """The derived tables that answer a retention query exactly, or None (raw rows)."""
    module = module_of(model, query.scope.kind, query.scope.module)
    view = module.retention
    if view is None or plan is None:
        return None
    cohort = view.cohorts.get(query.cohort or view.default_cohort)
    activity = plan.rollups.get(view.activity.name)
    if cohort is None or activity is None:
        return None
    if not any(b.key == "users" and b.where is None for b in activity.bitmaps):
        return None
    route = users_route(model, plan, query.scope, cohort.name)
    return (route, activity) if route is not None else None


def compile_retention(
    model: SemanticModel,
    query: RetentionQuery,
    *,
    pretty: bool = False,
    plan: RollupPlan | None = None,
) -> CompiledQuery:
    """Rows per grain: cohort_size (every cohort day), counted_size and retained (cohort days
    whose day D+N is on or before the reporting day) and rate = retained / counted_size.
    With `plan`, from the derived tables when they are current and answer it exactly.
    Statements are kept per query shape (`semantic.templates`)."""
    if pretty:
        return _compile_retention(model, query, pretty=True, plan=plan)
    key = (
        "retention",
        scope_shape(model, query.scope),
        query.period,
        query.cohort,
        query.compare,
        query.granularity,
        None if plan is None else plan.signature,
    )

    return TEMPLATES.compiled(
        key,
        model=model,
        scope=query.scope,
        compare=query.compare,
        build=lambda: _compile_retention(model, query, pretty=False, plan=plan),
    )


def _compile_retention(
    model: SemanticModel, query: RetentionQuery, *, pretty: bool, plan: RollupPlan | None
) -> CompiledQuery:
    module, statement, measures = _start(
        model,
        query.scope,
        compare=query.compare,
        series=True,
        granularity=query.granularity,
        plan=plan,
    )
    view = module.retention
    if view is None:
        raise QueryError(f"module {module.id} has no retention")
    if query.period not in view.periods:
        allowed = ", ".join(str(p) for p in view.periods)
        raise QueryError(f"retention period must be one of {allowed} days, not {query.period}")
    cohort_type = query.cohort or view.default_cohort
    if cohort_type not in view.cohorts:
        raise QueryError(f"cohort must be one of {', '.join(view.cohorts)}, not {cohort_type}")
    routed = retention_route(model, query, plan)
    if routed is not None:
        final = retention_from_rollups(
            statement, measures, cohort=routed[0], activity=routed[1], period=query.period
        )
        return _compiled(
            statement,
            final,
            pretty=pretty,
            columns=("cohort_size", "counted_size", "retained", "rate"),
        )
    cohort_source = statement.source(view.cohorts[cohort_type].name)
    user = col(measures.user_of(cohort_source), "r")
    cohort = (
        _grain_rows(measures, cohort_source.name)
        .select(col("grain_id", "g"), exp.alias_(col(DAY, "r"), "d"), exp.alias_(user, "uid"))
        .distinct()
    )
    cohort_cte = statement.add_cte("cohort", cohort)
    activity = statement.source(view.activity.name)
    # return days of the previous period's cohorts too: from the span's first day
    activity_rows = statement.rows(activity.name, lo="span_lo", hi="reporting_day", filtered=False)
    protected = is_protected(statement, activity, "a") if applies(statement) else None
    # per user and day: active at all, and active outside the protected regions
    unprotected: exp.Expr = exp.true()
    if protected is not None:
        unprotected = exp.func("bool_or", exp.not_(protected))
    key = answer_key(statement)
    active = (
        exp.select(
            exp.alias_(col(measures.user_of(activity), "a"), "uid"),
            exp.alias_(col(DAY, "a"), "d"),
            exp.alias_(unprotected, "unprotected"),
        )
        .from_(exp.alias_(exp.to_table(activity_rows), "a", table=True))
        .group_by(col(measures.user_of(activity), "a"), col(DAY, "a"))
    )
    if protected is not None:
        # the smallest shown cell of the answer's os key holding the day (one at most)
        days = add_privacy_days(statement)
        on = exp.and_(
            exp.EQ(this=col("day", "p"), expression=col(DAY, "a")),
            exp.EQ(this=col("os", "p"), expression=key.copy()),
        )
        active = active.join(
            exp.alias_(exp.to_table(days), "p", table=True), on=on, join_type="left"
        ).select(
            exp.alias_(exp.Max(this=col("clo", "p")), "clo"),
            exp.alias_(exp.Max(this=col("chi", "p")), "chi"),
        )
    active_cte = statement.add_cte("active", active)
    due = plus_days(col("d", "c"), query.period)
    returned: list[exp.Expr] = []
    if protected is not None:
        # a protected return counts from a shown cell inside the grain's return days
        covered = exp.and_(
            exp.GTE(this=col("clo", "a"), expression=plus_days(col("lo", "g"), query.period)),
            exp.LTE(this=col("chi", "a"), expression=plus_days(col("hi", "g"), query.period)),
        )
        returned.append(exp.Paren(this=exp.or_(col("unprotected", "a"), covered)))
    counted = exp.LTE(this=due, expression=statement.bound("reporting_day"))
    cohort_size = exp.Count(this=col("uid", "c"))
    counted_size = exp.Filter(this=cohort_size.copy(), expression=exp.Where(this=counted))
    retained_count = exp.Filter(
        this=exp.Count(this=col("uid", "a")), expression=exp.Where(this=counted.copy())
    )
    # known once the grain's first cohort day has its day D+N (0 for a cohort of none)
    judged = exp.LTE(
        this=plus_days(col("lo", "g"), query.period), expression=statement.bound("reporting_day")
    )
    retained = exp.Case().when(judged, retained_count)
    final = (
        exp.select(
            col("grain_id", "g"),
            col("grain_day", "g"),
            exp.alias_(shown_days(statement, measures.grains, key.copy()), "shown_days"),
            exp.alias_(cohort_size, "cohort_size"),
            exp.alias_(counted_size, "counted_size"),
            exp.alias_(retained, "retained"),
            exp.alias_(divide(retained.copy(), counted_size.copy()), "rate"),
        )
        .from_(exp.alias_(exp.to_table(measures.grains), "g", table=True))
        .join(
            exp.alias_(exp.to_table(cohort_cte), "c", table=True),
            on=exp.EQ(this=col("grain_id", "c"), expression=col("grain_id", "g")),
            join_type="left",
        )
        .join(
            exp.alias_(exp.to_table(active_cte), "a", table=True),
            on=exp.and_(
                exp.EQ(this=col("uid", "a"), expression=col("uid", "c")),
                exp.EQ(this=col("d", "a"), expression=due.copy()),
                *returned,
            ),
            join_type="left",
        )
        .group_by(col("grain_id", "g"), col("grain_day", "g"), col("lo", "g"))
        .order_by(col("grain_id", "g"))
    )
    return _compiled(
        statement, final, pretty=pretty, columns=("cohort_size", "counted_size", "retained", "rate")
    )


def compile_distribution(
    model: SemanticModel, query: DistributionQuery, *, pretty: bool = False
) -> CompiledQuery:
    """Rows per value: users (each active user once, under their latest row's value) and share."""
    module, statement, measures = _start(model, query.scope)
    view = module.distribution
    if view is None:
        raise QueryError(f"module {module.id} has no distribution")
    if query.dimension not in {d.name for d in view.dimensions}:
        offered = ", ".join(d.name for d in view.dimensions)
        raise QueryError(f"distribution is by one of {offered}, not {query.dimension}")
    source = statement.source(view.source.name)
    root = statement.root(source)
    user = col(measures.user_of(source), "r")
    latest = (
        _current_only(_grain_rows(measures, source.name))
        .select(
            exp.alias_(user, "uid"),
            exp.alias_(statement.dimension_expression(source, query.dimension, "r"), "bkey"),
        )
        .distinct(user.copy())
        .order_by(
            user.copy(),
            exp.Ordered(this=col(root.time, "r"), desc=True),
            exp.Ordered(this=col(root.key, "r"), desc=True),
        )
    )
    latest_cte = statement.add_cte("latest", latest)
    users = exp.Count(this=exp.Star())
    share = divide(users.copy(), exp.Window(this=exp.Sum(this=exp.Count(this=exp.Star()))))
    final = (
        exp.select(col("bkey"), exp.alias_(users, "users"), exp.alias_(share, "share"))
        .from_(latest_cte)
        .group_by(col("bkey"))
        .order_by(exp.Ordered(this=col("users"), desc=True), col("bkey"))
    )
    return _compiled(statement, final, pretty=pretty, columns=("users", "share"))


def compile_funnel(
    model: SemanticModel, query: FunnelQuery, *, pretty: bool = False
) -> CompiledQuery:
    """Rows per step in funnel order: pv, conversion from the previous and from the first step."""
    module, statement, measures = _start(model, query.scope)
    view = module.funnel
    if view is None:
        raise QueryError(f"module {module.id} has no funnel")
    steps = values_table(
        [
            (exp.Literal.number(i), exp.Literal.string(step.id))
            for i, step in enumerate(view.steps, start=1)
        ],
        alias="s",
        columns=["position", "step"],
    )
    events = _current_only(_grain_rows(measures, view.source.name, where=view.where)).select(
        exp.alias_(statement.expression(view.step_column, "r"), "step")
    )
    events_cte = statement.add_cte("events", events)
    pv = exp.Count(this=col("step", "e"))
    order = exp.Order(expressions=[exp.Ordered(this=col("position", "s"))])
    previous = exp.Window(this=exp.Anonymous(this="lag", expressions=[pv.copy()]), order=order)
    first = exp.Window(
        this=exp.Anonymous(this="first_value", expressions=[pv.copy()]), order=order.copy()
    )
    # the range's grain (number 0)
    shown = shown_days(statement, measures.grains, answer_key(statement), grain_id=0)
    final = (
        exp.select(
            col("position", "s"),
            col("step", "s"),
            exp.alias_(shown, "shown_days"),
            exp.alias_(pv, "pv"),
            exp.alias_(divide(pv.copy(), previous), "conversion_from_previous"),
            exp.alias_(divide(pv.copy(), first), "conversion_from_first"),
        )
        .from_(steps)
        .join(
            exp.alias_(exp.to_table(events_cte), "e", table=True),
            on=exp.EQ(this=col("step", "e"), expression=col("step", "s")),
            join_type="left",
        )
        .group_by(col("position", "s"), col("step", "s"))
        .order_by(col("position", "s"))
    )
    return _compiled(
        statement,
        final,
        pretty=pretty,
        columns=("pv", "conversion_from_previous", "conversion_from_first"),
    )


def compile_table(
    model: SemanticModel, query: TableQuery, *, pretty: bool = False
) -> CompiledQuery:
    """Rows of the table's page, largest first, with `total_rows`: the number of groups."""
    module, statement, measures = _start(model, query.scope)
    table = next((t for t in module.tables if t.name == query.table), None)
    if table is None:
        offered = ", ".join(t.name for t in module.tables) or "none"
        raise QueryError(f"module {module.id} has no table {query.table} (tables: {offered})")
    limit = table.default_limit if query.limit is None else query.limit
    if not 1 <= limit <= table.max_limit:
        raise QueryError(f"limit must be between 1 and {table.max_limit}, not {limit}")
    if query.offset < 0 or (query.offset and not table.paged):
        raise QueryError("offset must be 0 or more" if table.paged else "this table has one page")
    source = statement.source(table.source.name)
    rows = _current_only(_grain_rows(measures, source.name, where=table.where))
    keys = [statement.dimension_expression(source, d.name, "r") for d in table.group_by]
    selects = [exp.alias_(k, d.name) for k, d in zip(keys, table.group_by, strict=True)]
    for column in table.columns:
        value = statement.expression(column.expr, "r") if column.expr else None
        selects.append(exp.alias_(aggregate(column.agg, value=value), column.name))
    selects.append(exp.alias_(exp.Window(this=exp.Count(this=exp.Star())), "total_rows"))
    order = [exp.Ordered(this=col(table.order_by), desc=True)]
    order += [exp.Ordered(this=col(d.name)) for d in table.group_by]
    final = (
        rows.select(*selects)
        .group_by(*[k.copy() for k in keys])
        .order_by(*order)
        .limit(statement.params.add(limit, "int"))
        .offset(statement.params.add(query.offset, "int"))
    )
    names = tuple(d.name for d in table.group_by) + tuple(c.name for c in table.columns)
    return _compiled(statement, final, pretty=pretty, columns=names)


def _compiled(
    statement: Statement, final: exp.Select, *, pretty: bool, columns: tuple[str, ...]
) -> CompiledQuery:
    final = statement.with_ctes(final)
    return CompiledQuery(
        sql=render(final, pretty=pretty, engine=statement.scope.engine),
        params=tuple(statement.params.values),
        columns=columns,
        names=tuple(statement.params.names),
    )
