"""Small sqlglot building blocks shared by the compilers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sqlglot
from sqlglot import exp

from semantic import engines
from semantic.engines import Engine

DIALECT = "postgres"


class Params:
    """Bind parameters handed out as `$n`; a named value is bound once and reused."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.names: list[str | None] = []  # the name of each value (None: bound by `add`)
        self._named: dict[str, exp.Expr] = {}

    def add(self, value: Any, sql_type: str, *, name: str | None = None) -> exp.Expr:
        self.values.append(value)
        self.names.append(name)
        placeholder = exp.Parameter(this=exp.Literal.number(len(self.values)))
        return exp.cast(placeholder, sql_type)

    def named(self, name: str, value: Any, sql_type: str) -> exp.Expr:
        if name not in self._named:
            self._named[name] = self.add(value, sql_type, name=name)
        return self._named[name].copy()


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> exp.Expr:
    return sqlglot.parse_one(text, read=DIALECT)


def parse(text: str) -> exp.Expr:
    """A model expression, parsed once and copied for each use."""
    return _parse(text).copy()


def qualify(expression: exp.Expr, alias: str) -> exp.Expr:
    """Prefix every bare column of `expression` with `alias`."""

    def visit(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table:
            return exp.column(node.name, table=alias)
        return node

    return expression.transform(visit)


def bind_placeholders(
    expression: exp.Expr, resolve: Callable[[str], exp.Expr]
) -> exp.Expr:
    """Replace each `:name` of a model expression by what `resolve(name)` gives."""

    def visit(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder):
            return resolve(str(node.name))
        return node

    return expression.transform(visit)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def element(array: exp.Expr, index: int) -> exp.Expr:
    """`array[index]`, 1-based as in PostgreSQL (sqlglot's brackets count from 0)."""
    return exp.Bracket(this=array, expressions=[exp.Literal.number(index - 1)])


def utc_day(timestamp: exp.Expr) -> exp.Expr:
    """The UTC calendar day of a timestamptz."""
    return exp.cast(exp.AtTimeZone(this=timestamp, zone=exp.Literal.string("UTC")), "date")


def utc_midnight(day: exp.Expr) -> exp.Expr:
    """The timestamptz at which a UTC day starts."""
    return exp.AtTimeZone(this=exp.cast(day, "timestamp"), zone=exp.Literal.string("UTC"))


def plus_days(day: exp.Expr, days: int) -> exp.Expr:
    return exp.Add(this=day, expression=exp.Literal.number(days))


def nullif_zero(expression: exp.Expr) -> exp.Expr:
    return exp.Nullif(this=expression, expression=exp.Literal.number(0))


def as_float(expression: exp.Expr) -> exp.Expr:
    return exp.cast(expression, "double precision")


def coalesce_zero(expression: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=expression, expressions=[exp.Literal.number(0)])




def render(query: exp.Expr, *, pretty: bool = False, engine: Engine = Engine.POSTGRES) -> str:
    """The statement's text for `engine`, rendered once, at the end."""
    return engines.render(query, engine=engine, pretty=pretty)


def values_table(
    rows: list[tuple[exp.Expr, ...]], *, alias: str, columns: list[str]
) -> exp.Expr:
    """`(VALUES (...), (...)) AS alias(columns)` as a FROM-able expression."""
    return exp.Values(
        expressions=[exp.Tuple(expressions=list(row)) for row in rows],
        alias=exp.TableAlias(
            this=exp.to_identifier(alias), columns=[exp.to_identifier(c) for c in columns]
        ),
    )
