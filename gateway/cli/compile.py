from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

import click

from gateway.cli.common import settings_of
from gateway.schema.naming import camel
from semantic.model import AppKind, SemanticModel
from semantic.query import (
    CompiledQuery,
    DateRange,
    DistributionQuery,
    FilterValue,
    FunnelQuery,
    MetricQuery,
    QueryError,
    RetentionQuery,
    Scope,
    TableQuery,
)


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
) -> CompiledQuery:
    from semantic.compiler import compile_metrics
    from semantic.views import (
        compile_distribution,
        compile_funnel,
        compile_retention,
        compile_table,
    )

    module = model.module(scope.kind, scope.module)
    breakdown = breakdown and _snake(breakdown, model.dimensions)
    if view is None:
        names = (
            tuple(_snake(name, model.metrics) for name in metrics.split(","))
            if metrics
            else tuple(m.name for m in module.metrics)
        )
        query = MetricQuery(scope=scope, metrics=names, series=series, breakdown=breakdown)
        return compile_metrics(model, query, pretty=True)
    if view == "retention":
        retention = RetentionQuery(scope=scope, period=period, cohort=cohort)
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
    view: str | None,
    period: int,
    cohort: str | None,
    by: str | None,
    models: Path | None,
) -> None:
    """Print the SQL (and its parameters) the gateway runs for a module query."""
    from semantic.issues import ModelError
    from semantic.loader import load_model

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
    scope = Scope(
        app_id=app_id,
        kind=_kind_of(model, module, kind),
        module=module,
        range=_range(range_),
        reporting_day=settings_of(ctx).reporting_day(),
        filters=filters,
    )
    try:
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
        )
    except QueryError as error:
        raise click.ClickException(str(error)) from None
    click.echo(psql_script(compiled))


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
