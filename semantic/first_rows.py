"""Each user's first row of a source, stored: the derived table behind `first_of` sources.

A `first_of` source (first sessions, paid acquisitions, the user-type filters) reads each
user's first row of its parent, chosen over all of the app's rows before any filter. On the
raw rows that is a `DISTINCT ON (user)` over every row the app ever sent: at 20 million
launches, seconds of sorting in every statement that reads it, and a relation whose size
PostgreSQL cannot estimate, so that the joins after it are planned for a few hundred rows
when there are a million.

`minis refresh` keeps those rows in a table per event table (`minis_first_rows_<table>`: the
table's own columns, the parent source's name `minis_source` and the row's `minis_day`), and
a statement reads them from there once the app's derived data is current (see
`Statement._first_rows`). A refresh from day `lo` deletes the first rows on or after `lo` and
inserts, for every user without a stored first row, their first row on or after `lo`: a
user without one had no row before `lo` (rows that arrive for earlier days lower `lo` to
theirs), so this is their first row of all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from semantic.model import SemanticModel, Source
from semantic.query import CompiledQuery
from semantic.sqlparts import Params, col, parse, qualify, render, utc_day, utc_midnight

PREFIX = "minis_first_rows_"
SOURCE_COLUMN = "minis_source"
DAY_COLUMN = "minis_day"


@dataclass(frozen=True, kw_only=True)
class FirstRows:
    """The first rows of `source` (a table source with users), kept in `table`."""

    source: str
    base: str  # the event table
    table: str
    user: str
    time: str
    time_is_date: bool
    key: str
    where: str | None


def first_rows_of(model: SemanticModel) -> tuple[FirstRows, ...]:
    """Every source some `first_of` source takes first rows of, when it is a table source."""
    found: dict[str, FirstRows] = {}
    for source in model.sources.values():
        if source.first_of is None:
            continue
        parent = model.sources[source.first_of.name]
        stored = _stored(parent)
        if stored is not None:
            found[parent.name] = stored
    return tuple(found[name] for name in sorted(found))


def stored_for(model: SemanticModel, parent: str) -> FirstRows | None:
    return next((f for f in first_rows_of(model) if f.source == parent), None)


def _stored(parent: Source) -> FirstRows | None:
    if parent.first_of is not None or not parent.table or not parent.user or not parent.key:
        return None
    if parent.where and ":" in parent.where:  # reads a request's parameter: not storable
        return None
    return FirstRows(
        source=parent.name,
        base=parent.table,
        table=PREFIX + parent.table,
        user=parent.user,
        time=parent.time,
        time_is_date=parent.time_is_date,
        key=parent.key,
        where=parent.where,
    )


def ddl(first: FirstRows) -> list[str]:
    """Statements creating the table of `first` and its indexes, if missing."""
    table = first.table
    return [
        f"CREATE TABLE IF NOT EXISTS {table} (LIKE {first.base},"
        f" {SOURCE_COLUMN} text NOT NULL, {DAY_COLUMN} date NOT NULL)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_user"
        f" ON {table} (app_id, {SOURCE_COLUMN}, {first.user})",
        f"CREATE INDEX IF NOT EXISTS {table}_day"
        f" ON {table} (app_id, {SOURCE_COLUMN}, {DAY_COLUMN})",
    ]


def _row_day(first: FirstRows, alias: str) -> exp.Expr:
    time = col(first.time, alias)
    return time if first.time_is_date else utc_day(time)


def _is_first(first: FirstRows, params: Params, *, app_id: str) -> list[exp.Expr]:
    return [
        exp.EQ(this=col("app_id", "f"), expression=params.named("app_id", app_id, "text")),
        exp.EQ(this=col(SOURCE_COLUMN, "f"), expression=exp.Literal.string(first.source)),
    ]


def compile_clear(first: FirstRows, *, app_id: str, lo: dt.date | None) -> CompiledQuery:
    """DELETE the app's first rows (those on or after `lo`)."""
    params = Params()
    conditions = _is_first(first, params, app_id=app_id)
    if lo is not None:
        conditions.append(
            exp.GTE(this=col(DAY_COLUMN, "f"), expression=params.named("lo", lo, "date"))
        )
    delete = exp.delete(exp.alias_(exp.to_table(first.table), "f", table=True)).where(
        exp.and_(*conditions)
    )
    return CompiledQuery(sql=render(delete), params=tuple(params.values))


def compile_fill(first: FirstRows, *, app_id: str, lo: dt.date | None) -> CompiledQuery:
    """INSERT the first row (on or after `lo`) of every user of the app without one."""
    params = Params()
    app = params.named("app_id", app_id, "text")
    conditions: list[exp.Expr] = [exp.EQ(this=col("app_id", "t"), expression=app)]
    if first.where:
        conditions.append(qualify(parse(first.where), "t"))
    if lo is not None:
        bound = params.named("lo", lo, "date")
        conditions.append(
            exp.GTE(
                this=col(first.time, "t"),
                expression=bound if first.time_is_date else utc_midnight(bound),
            )
        )
        known = (
            exp.select(exp.Literal.number(1))
            .from_(exp.alias_(exp.to_table(first.table), "f", table=True))
            .where(
                *_is_first(first, params, app_id=app_id),
                exp.EQ(this=col(first.user, "f"), expression=col(first.user, "t")),
            )
        )
        conditions.append(exp.not_(exp.Exists(this=known)))
    rows = (
        exp.select(
            exp.Column(this=exp.Star(), table=exp.to_identifier("t")),
            exp.Literal.string(first.source),
            _row_day(first, "t"),
        )
        .distinct(col(first.user, "t"))
        .from_(exp.alias_(exp.to_table(first.base), "t", table=True))
        .where(exp.and_(*conditions))
        .order_by(col(first.user, "t"), col(first.time, "t"), col(first.key, "t"))
    )
    insert = exp.insert(rows, exp.to_table(first.table))
    return CompiledQuery(sql=render(insert), params=tuple(params.values))


def read_query(first: FirstRows, *, app: exp.Expr, alias: str) -> exp.Select:
    """The app's stored first rows, as `alias`, with every column the raw rows have."""
    return (
        exp.select(exp.Star())
        .from_(exp.alias_(exp.to_table(first.table), alias, table=True))
        .where(
            exp.EQ(this=col("app_id", alias), expression=app),
            exp.EQ(this=col(SOURCE_COLUMN, alias), expression=exp.Literal.string(first.source)),
        )
    )
