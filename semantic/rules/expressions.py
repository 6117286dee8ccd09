"""Rules about SQL: expressions parse, read only their source's columns and declared
parameters, and derived metrics only combine metrics, measures, constants and numbers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlglot import exp

from semantic.fields import did_you_mean
from semantic.issues import Issue
from semantic.model import FilterKind, Location, MetricKind, SemanticModel, Source
from semantic.rules.common import (
    columns_of,
    issue,
    parse_expression,
    sql_tables,
    table_of,
    view_name,
    view_source,
    views,
)
from semantic.rules.references import measure_problem

# (where it is written, who writes it, which key, the expression, the source it reads)
Written = tuple[Location, str, str, str, Source | None]


def _source_expressions(model: SemanticModel) -> Iterator[Written]:
    for source in model.sources.values():
        if source.where is not None:
            yield source.location, f"source {source.name}", "where", source.where, source
        for measure in source.measures.values():
            owner = f"measure {source.name}.{measure.name}"
            for key in ("expr", "where", "weight"):
                text = getattr(measure, key)
                if text is not None:
                    yield measure.location, owner, key, text, source
        for ref in source.dimensions:
            dimension = model.dimensions.get(ref.name)
            if dimension is not None:
                yield (ref.location, f"dimension {ref.name} of source {source.name}", "column",
                       dimension.column, source)


def _other_expressions(model: SemanticModel) -> Iterator[Written]:
    for segment in model.segments.values():
        if segment.where is not None:
            yield (segment.location, f"segment {segment.name}", "where", segment.where,
                   model.sources.get(segment.source.name))
    for module in model.modules.values():
        for view in views(module):
            source = view_source(model, view)
            owner = view_name(model, module, view)
            where = getattr(view, "where", None)
            if where is not None:
                yield view.location, owner, "where", where, source
            for column in getattr(view, "columns", ()):
                if column.expr is not None:
                    yield (view.location, f"{owner}: column {column.name}", "expr", column.expr,
                           source)


def _problem(model: SemanticModel, key: str, text: str, source: Source | None) -> str | None:
    parsed = parse_expression(text)
    if parsed is None:
        return f"{key} is not a valid SQL expression: {text}"
    if parsed.find(exp.Query) is not None:
        return f"{key} must not contain a subquery: {text}"
    parameters = {f.name for f in model.filters.values() if f.kind is FilterKind.PARAMETER}
    for placeholder in parsed.find_all(exp.Placeholder):
        name = placeholder.name
        if name not in parameters:
            return (f"{key} reads :{name}, which is not a parameter filter"
                    f"{did_you_mean(name, parameters)}")
    columns = columns_of(model, source) if source is not None else None
    for column in parsed.find_all(exp.Column):
        if column.table:
            return f"{key} reads {column.sql()}; write columns without a table name"
        if columns is not None and column.name not in columns:
            table = table_of(model, source) if source is not None else None
            return (f"{key} reads unknown column {column.name} of table {table}"
                    f"{did_you_mean(column.name, columns)}")
    return None


def source_expressions(model: SemanticModel) -> Iterable[Issue]:
    for location, owner, key, text, source in [*_source_expressions(model),
                                               *_other_expressions(model)]:
        problem = _problem(model, key, text, source)
        if problem is not None:
            yield issue(location, f"{owner}: {problem}")


def source_columns(model: SemanticModel) -> Iterable[Issue]:
    """Tables exist in sql/, and the time, key, user and funnel step columns in them."""
    tables = sql_tables()
    if tables is None:
        return
    for source in model.sources.values():
        owner = f"source {source.name}"
        if source.table is not None and source.table not in tables:
            yield issue(source.location, f"{owner} reads unknown table {source.table}"
                                         f"{did_you_mean(source.table, tables)}")
            continue
        columns = tables.get(table_of(model, source) or "", frozenset())
        named = [("time", source.time), ("key", source.key), ("user", source.user)]
        for key, column in named if source.table is not None else []:
            if column and column not in columns:
                yield issue(source.location, f"{owner}: {key} column {column} is not a column "
                                             f"of table {source.table}"
                                             f"{did_you_mean(column, columns)}")


def funnel_step_column(model: SemanticModel) -> Iterable[Issue]:
    for module in model.modules.values():
        funnel = module.funnel
        source = model.sources.get(funnel.source.name) if funnel is not None else None
        columns = columns_of(model, source) if source is not None else None
        if funnel is None or source is None or columns is None:
            continue
        if funnel.step_column and funnel.step_column not in columns:
            yield issue(funnel.location, f"{view_name(model, module, funnel)}: step_column "
                                         f"{funnel.step_column} is not a column of table "
                                         f"{table_of(model, source)}"
                                         f"{did_you_mean(funnel.step_column, columns)}")


ARITHMETIC = (exp.Column, exp.Identifier, exp.Literal, exp.Add, exp.Sub, exp.Mul, exp.Div,
              exp.Paren, exp.Neg)


def _derived_problem(model: SemanticModel, text: str) -> str | None:
    parsed = parse_expression(text)
    if parsed is None:
        return f"expr is not a valid expression: {text}"
    for node in parsed.walk():
        if not isinstance(node, ARITHMETIC) or (
                isinstance(node, exp.Literal) and node.is_string):
            return (f"expr may only combine metrics, source.measure, constants and numbers "
                    f"with + - * / and parentheses, not {node.sql(dialect='postgres')}")
    names = set(model.metrics) | set(model.config.constants)
    for column in parsed.find_all(exp.Column):
        parts = [part.name for part in column.parts]
        if len(parts) == 2:
            problem = measure_problem(model, ".".join(parts))
            if problem is not None:
                return f"expr uses {problem}"
        elif len(parts) > 2:
            return f"expr uses {'.'.join(parts)}; write a measure as source.measure"
        elif column.name not in names:
            return (f"expr uses unknown metric or constant {column.name}"
                    f"{did_you_mean(column.name, names)}")
    return None


def derived_expressions(model: SemanticModel) -> Iterable[Issue]:
    for metric in model.metrics.values():
        if metric.kind is MetricKind.DERIVED and metric.expr is not None:
            problem = _derived_problem(model, metric.expr)
            if problem is not None:
                yield issue(metric.location, f"metric {metric.name}: {problem}")


def constant_names(model: SemanticModel) -> Iterable[Issue]:
    """A derived expression could not tell a metric from a constant of the same name."""
    for name in model.config.constants:
        metric = model.metrics.get(name)
        if metric is not None:
            yield issue(metric.location, f"metric {name} has the name of a config constant; "
                                         f"rename one of them")


RULES = (source_expressions, source_columns, funnel_step_column, derived_expressions,
         constant_names)
