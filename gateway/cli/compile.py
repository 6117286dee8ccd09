from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gateway.cli.common import settings_of
from gateway.schema.naming import camel
from semantic.engines import Engine
from semantic.model import AppKind, SemanticModel
from semantic.query import (
    CompiledQuery,
    DateRange,
    DistributionQuery,
    FilterValue,
    FunnelQuery,
    Granularity,
    MetricQuery,
    QueryError,
    RetentionQuery,
    Scope,
    TableQuery,
)

if TYPE_CHECKING:
    from semantic.rollups import RollupPlan


def _range(text: str) -> DateRange:
    try:
        start, end = (dt.date.fromisoformat(part) for part in text.split(":"))
    except ValueError:
        raise click.BadParameter("use START:END, e.g. 2026-10-01:2026-10-30") from None
    return DateRange(start=start, end=end)


def _snake(name: str, known: Iterable[str]) -> str:
    """The model's (snake_case) name for `name`, which may also be written as GraphQL, the URLs
    and the catalog write it (camelCase: userBehavior for user_behavior)."""
    return next((k for k in known if name in (k, camel(k))), name)


def _kind_of(model: SemanticModel, module: str, kind: str | None) -> AppKind:
    kinds = [k for (k, m) in model.modules if m == module]
    if not kinds:
        known = sorted({m for (_, m) in model.modules})
        raise click.BadParameter(f"unknown module {module}; modules: {', '.join(known)}")
    if kind is not None:
        if AppKind(kind) not in kinds:
            raise click.BadParameter(f"module {module} is not offered for {kind} apps")
        return AppKind(kind)
    if len(kinds) > 1:
        raise click.BadParameter(f"module {module} exists for games and dramas; pass --kind")
    return kinds[0]


def _metric_query(
    model: SemanticModel,
    scope: Scope,
    *,
    metrics: str | None,
    breakdown: str | None,
    series: bool,
    granularity: Granularity = Granularity.DAY,
) -> MetricQuery:
    module = model.module(scope.kind, scope.module)
    names = (
        tuple(_snake(name, model.metrics) for name in metrics.split(","))
        if metrics
        else tuple(m.name for m in module.metrics)
    )
    breakdown = breakdown and _snake(breakdown, model.dimensions)
    return MetricQuery(
        scope=scope, metrics=names, series=series, granularity=granularity, breakdown=breakdown
    )


def explain_routes(model: SemanticModel, query: MetricQuery, plan: RollupPlan | None) -> str:
    """Per measure of the query: the table that answers it, the stored grouping set read
    (`all`: the cells of every value) and why."""
    from semantic.compiler import metric_routes

    routes = metric_routes(model, query, plan)
    rows = [("measure", "table", "grouping set", "reason")]
    for route in routes:
        grouped = (", ".join(route.grouped) or "all") if route.rollup is not None else "-"
        rows.append((route.ref.name, route.table, grouped, route.reason))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]])
        for row in rows
    ]
    derived = sum(1 for r in routes if r.rollup is not None)
    lines.append(f"{derived} of {len(routes)} measures from derived tables")
    return "\n".join(lines)


def _compile(
    model: SemanticModel,
    scope: Scope,
    *,
    metrics: str | None,
    view: str | None,
    breakdown: str | None,
    period: int,
    cohort: str | None,
    by: str | None,
    series: bool,
    plan: RollupPlan | None = None,
    granularity: Granularity = Granularity.DAY,
) -> CompiledQuery:
    from semantic.compiler import compile_metrics
    from semantic.views import (
        compile_distribution,
        compile_funnel,
        compile_retention,
        compile_table,
    )

    if view is None:
        query = _metric_query(
            model,
            scope,
            metrics=metrics,
            breakdown=breakdown,
            series=series,
            granularity=granularity,
        )
        return compile_metrics(model, query, pretty=True, plan=plan)
    module = model.module(scope.kind, scope.module)
    if view == "retention":
        retention = RetentionQuery(
            scope=scope, period=period, cohort=cohort, granularity=granularity
        )
        return compile_retention(model, retention, pretty=True)
    if view == "distribution":
        dimension = by or (module.distribution.dimensions[0].name if module.distribution else "")
        return compile_distribution(
            model, DistributionQuery(scope=scope, dimension=dimension), pretty=True
        )
    if view == "funnel":
        return compile_funnel(model, FunnelQuery(scope=scope), pretty=True)
    if view.startswith("table:"):
        name = _snake(view.removeprefix("table:"), (t.name for t in module.tables))
        table = TableQuery(scope=scope, table=name)
        return compile_table(model, table, pretty=True)
    raise click.BadParameter("view is retention, distribution, funnel or table:NAME")


@click.command("compile")
@click.option("--app", "app_id", required=True, help="App id.")
@click.option("--module", required=True, help="Module id, e.g. user_behavior (or userBehavior).")
@click.option(
    "--kind",
    type=click.Choice(["game", "drama"]),
    default=None,
    help="App kind, when the module exists for both.",
)
@click.option("--metrics", default=None, help="Comma-separated metric ids (default: all).")
@click.option("--range", "range_", required=True, help="START:END, whole UTC days.")
@click.option("--os", "os_", default=None, help="ios or android.")
@click.option("--regions", default=None, help="Comma-separated region codes.")
@click.option("--filter", "extra", multiple=True, help="Other module filter as NAME=VALUE.")
@click.option("--breakdown", default=None, help="A dimension of the module.")
@click.option("--series/--no-series", default=True, help="Include one row per day.")
@click.option(
    "--granularity",
    type=click.Choice([g.value for g in Granularity], case_sensitive=False),
    default=Granularity.DAY.value,
    show_default=True,
    help="The series' rows: one per day, ISO week or calendar month of the range.",
)
@click.option("--view", default=None, help="retention, distribution, funnel or table:NAME.")
@click.option("--period", type=int, default=7, show_default=True, help="Retention period.")
@click.option("--cohort", default=None, help="Retention cohort type (NEW or ACTIVE).")
@click.option("--by", default=None, help="Distribution dimension.")
@click.option(
    "--models",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Model directory (default: the packaged semantic/models).",
)
@click.option(
    "--derived/--raw",
    default=True,
    show_default=True,
    help="Read the derived tables where they answer exactly, as the gateway does when they "
    "are current through the range's end, or only the raw rows.",
)
@click.option(
    "--engine",
    type=click.Choice([e.value for e in Engine]),
    default=Engine.POSTGRES.value,
    show_default=True,
    help="The SQL engine to compile for (ClickHouse: raw rows and the stored privacy cells, "
    "as the gateway reads them there; its query parameters are printed after the statement).",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Print, per measure, the table that answers it, the grouping set read and why, "
    "instead of the SQL.",
)
@click.pass_context
def compile_command(
    ctx: click.Context,
    app_id: str,
    module: str,
    kind: str | None,
    metrics: str | None,
    range_: str,
    os_: str | None,
    regions: str | None,
    extra: tuple[str, ...],
    breakdown: str | None,
    series: bool,
    granularity: str,
    view: str | None,
    period: int,
    cohort: str | None,
    by: str | None,
    models: Path | None,
    derived: bool,
    explain: bool,
    engine: str = Engine.POSTGRES.value,
) -> None:
    """Print the SQL (and its parameters) the gateway runs for a module query, or with
    --explain which table answers each of its measures."""
    from semantic.issues import ModelError
    from semantic.loader import load_model
    from semantic.rollups import plan_for

    try:
        model = load_model(models) if models else load_model()
    except ModelError as error:
        raise click.ClickException(f"the model is invalid; run minis validate\n{error}") from None
    filters: dict[str, FilterValue] = {}
    if os_:
        filters["os"] = os_
    if regions:
        filters["regions"] = tuple(r.strip().upper() for r in regions.split(",") if r.strip())
    for item in extra:
        name, _, value = item.partition("=")
        name = _snake(name, model.filters)
        filters[name] = value.lower() == "true" if value.lower() in ("true", "false") else value
    module = _snake(module, {m for (_, m) in model.modules})
    span = _range(range_)
    scope = Scope(
        app_id=app_id,
        kind=_kind_of(model, module, kind),
        module=module,
        range=span,
        reporting_day=settings_of(ctx).reporting_day(),
        filters=filters,
        # as the gateway does once `minis refresh` has built the app's derived tables
        derived_through=settings_of(ctx).reporting_day() if derived else None,
    )
    if engine == Engine.CLICKHOUSE.value:  # no rollups there; the refresh stores the cells
        scope = dataclasses.replace(
            scope, engine=Engine.CLICKHOUSE, derived_through=None, cells_stored=True
        )
        derived = False
    plan = plan_for(model) if derived else None
    try:
        if explain:
            click.echo(
                _explain_view(
                    model,
                    scope,
                    view=view,
                    metrics=metrics,
                    breakdown=breakdown,
                    series=series,
                    plan=plan,
                    period=period,
                    cohort=cohort,
                )
            )
            return
        compiled = _compile(
            model,
            scope,
            metrics=metrics,
            view=view,
            breakdown=breakdown,
            period=period,
            cohort=cohort,
            by=by,
            series=series,
            plan=plan,
            granularity=Granularity(granularity.lower()),
        )
    except QueryError as error:
        raise click.ClickException(str(error)) from None
    if engine == Engine.CLICKHOUSE.value:
        click.echo(clickhouse_script(compiled))
        return
    click.echo(psql_script(compiled))


def _explain_view(
    model: SemanticModel,
    scope: Scope,
    *,
    view: str | None,
    metrics: str | None,
    breakdown: str | None,
    series: bool,
    plan: RollupPlan | None,
    period: int = 7,
    cohort: str | None = None,
) -> str:
    from semantic.compiler import compile_metrics
    from semantic.rollups import BITMAPS_TABLE
    from semantic.views import retention_route

    if view == "retention":
        retention = RetentionQuery(scope=scope, period=period, cohort=cohort)
        routed = retention_route(model, retention, plan)
        if routed is None:
            return "retention: raw rows (no derived table answers these filters exactly)"
        cohort_route, activity = routed
        return (
            f"retention: {BITMAPS_TABLE} (cohorts of {cohort_route.ref.source} by "
            f"{', '.join(cohort_route.grouped) or 'all'}; returns of {activity.source}, all)"
        )
    if view is not None:
        return f"{view}: raw rows (distributions, funnels and tables are read from the raw rows)"
    query = _metric_query(model, scope, metrics=metrics, breakdown=breakdown, series=series)
    compile_metrics(model, query, plan=plan)  # refuses what the module does not offer
    return explain_routes(model, query, plan)


def clickhouse_script(compiled: CompiledQuery) -> str:
    """The ClickHouse statement and, after it, its query parameters (`--param_pN=...` as
    clickhouse-client takes them) and the settings it is written for."""
    from gateway.storage.clickhouse.statements import named
    from gateway.storage.clickhouse.values import format_parameter
    from semantic.engines.clickhouse import SETTINGS

    settings = ", ".join(f"{k} = {v}" for k, v in SETTINGS.items())
    lines = [f"{compiled.sql}\nSETTINGS {settings};"]
    for name, value in named(compiled.params).items():
        lines.append(f"-- --param_{name}={format_parameter(value)!r}")
    return "\n".join(lines)


def psql_script(compiled: CompiledQuery) -> str:
    """The statement as PREPARE, EXECUTE with its parameters and DEALLOCATE, ready for psql.

    The name is a digest of the statement and its parameters, and the script drops it after
    use, so scripts pasted one after another into one session never run each other's query.
    """
    from sqlglot import exp

    arguments = ", ".join(exp.convert(value).sql(dialect="postgres") for value in compiled.params)
    digest = hashlib.sha256(f"{compiled.sql}\n{arguments}".encode()).hexdigest()[:12]
    name = f"minis_{digest}"
    return f"PREPARE {name} AS\n{compiled.sql};\nEXECUTE {name}({arguments});\nDEALLOCATE {name};"
