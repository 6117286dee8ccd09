"""What several rules need: naming objects in messages, following sources to their table,
the columns of the tables of sql/, and parsing SQL expressions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from semantic.issues import Issue
from semantic.model import (
    Distribution,
    Funnel,
    Location,
    Measure,
    Metric,
    MetricKind,
    Module,
    Retention,
    SemanticModel,
    Source,
    Table,
)

SQL_DIR = Path(__file__).resolve().parent.parent.parent / "sql"
DIALECT = "postgres"


def issue(location: Location, message: str) -> Issue:
    return Issue(location=location, message=message)


def module_name(model: SemanticModel, module: Module) -> str:
    """"module user_behavior (game)", with every kind the same YAML item gave the module, so
    that a problem of a module shared by two kinds reads (and is reported) once."""
    kinds = [m.kind.value for m in model.modules.values()
             if m.id == module.id and m.location == module.location]
    return f"module {module.id} ({', '.join(kinds or [module.kind.value])})"


View = Retention | Distribution | Funnel | Table


def view_label(view: View) -> str:
    """"table errors"."""
    kind = {Retention: "retention", Distribution: "distribution", Funnel: "funnel",
            Table: "table"}[type(view)]
    return f"{kind} {view.name}"


def view_name(model: SemanticModel, module: Module, view: View) -> str:
    """"table errors of module network (game)"."""
    return f"{view_label(view)} of {module_name(model, module)}"


def views(module: Module) -> Iterator[View]:
    yield from (view for view in (module.retention, module.distribution, module.funnel)
                if view is not None)
    yield from module.tables


def view_source(model: SemanticModel, view: View) -> Source | None:
    """The source a distribution, funnel or table reads (None for retention, or unknown)."""
    return None if isinstance(view, Retention) else model.sources.get(view.source.name)


def source_chain(model: SemanticModel, source: Source) -> list[Source]:
    """`source`, then the source it is the first rows of, and so on (stops at a cycle or an
    unknown source)."""
    chain = [source]
    while (ref := chain[-1].first_of) is not None and ref.name in model.sources:
        following = model.sources[ref.name]
        if following in chain:
            break
        chain.append(following)
    return chain


def table_of(model: SemanticModel, source: Source) -> str | None:
    return source_chain(model, source)[-1].table


def dimensions_of(model: SemanticModel, source: Source) -> set[str]:
    """A source's dimensions: its own and those of the sources it is the first rows of."""
    return {ref.name for link in source_chain(model, source) for ref in link.dimensions}


def flags_of(model: SemanticModel, source: Source) -> set[str]:
    return {flag for link in source_chain(model, source) for flag in link.flags}


def has_users(model: SemanticModel, source: Source) -> bool:
    return all(link.user is not None for link in source_chain(model, source))


def _statements(text: str) -> list[exp.Expr | None]:
    """The statements of a migration; those sqlglot does not model (functions, aggregates)
    come back as plain commands, without its warning about each."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return list(sqlglot.parse(text, dialect=DIALECT))
    finally:
        logger.setLevel(level)


@functools.cache
def sql_tables(directory: Path = SQL_DIR) -> dict[str, frozenset[str]] | None:
    """Table -> columns, from the CREATE TABLE (and ALTER TABLE ... ADD COLUMN) statements of
    sql/*.sql; None when there is no such folder (the column checks are then skipped)."""
    if not directory.is_dir():
        return None
    columns: dict[str, set[str]] = {}
    for path in sorted(directory.glob("*.sql")):
        for statement in _statements(path.read_text(encoding="utf-8")):
            if isinstance(statement, exp.Create) and statement.kind == "TABLE":
                schema = statement.this
                columns.setdefault(schema.this.name, set()).update(
                    column.name for column in schema.expressions
                    if isinstance(column, exp.ColumnDef))
            elif isinstance(statement, exp.Alter):
                columns.setdefault(statement.this.name, set()).update(
                    action.name for action in statement.args.get("actions") or ()
                    if isinstance(action, exp.ColumnDef))
    return {table: frozenset(names) for table, names in columns.items()}


def columns_of(model: SemanticModel, source: Source) -> frozenset[str] | None:
    """Names a source-level expression may read: its table's columns and its flags; None
    when they are unknown (no sql/ folder, an unknown table or a broken first_of chain)."""
    tables = sql_tables()
    table = table_of(model, source)
    if tables is None or table not in tables:
        return None
    return tables[table] | flags_of(model, source)


def parse_expression(text: str) -> exp.Expr | None:
    """One SQL expression (not a statement, not an alias), or None."""
    try:
        statements = sqlglot.parse(text, dialect=DIALECT)
    except SqlglotError:
        return None
    if len(statements) != 1 or not isinstance(statements[0], exp.Condition):
        return None
    return statements[0]


def metric_operands(metric: Metric) -> list[str]:
    """Names a ratio or derived metric is computed from: metrics and `source.measure`s (and,
    for derived metrics, constants); [] when a derived expression does not parse."""
    if metric.kind is MetricKind.RATIO:
        return [ref.name for ref in (metric.numerator, metric.denominator) if ref is not None]
    if metric.kind is MetricKind.DERIVED and metric.expr is not None:
        parsed = parse_expression(metric.expr)
        if parsed is None:
            return []
        return [".".join(part.name for part in column.parts)
                for column in parsed.find_all(exp.Column)]
    return [metric.measure.name] if metric.measure is not None else []


def measures_read(model: SemanticModel, metric: Metric) -> list[Measure]:
    """Every known measure a metric reads, directly or through other metrics."""
    found: dict[tuple[str, str], Measure] = {}
    seen: set[str] = set()
    pending = [metric]
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        for name in metric_operands(current):
            source, _, measure = name.partition(".")
            if measure and source in model.sources and measure in model.sources[source].measures:
                found[(source, measure)] = model.sources[source].measures[measure]
            elif not measure and name in model.metrics:
                pending.append(model.metrics[name])
    return list(found.values())


def rows_source(model: SemanticModel, measure: Measure) -> Source | None:
    """The source whose rows the answer's filters apply to: the measure's own, or for a
    measure with `members`, the source of the segment."""
    if measure.members is not None:
        segment = model.segments.get(measure.members.name)
        return model.sources.get(segment.source.name) if segment is not None else None
    return model.sources.get(measure.source.name)
