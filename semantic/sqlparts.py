"""Small sqlglot building blocks shared by the compilers."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any

import sqlglot
from sqlglot import exp

DIALECT = "postgres"


class Params:
    """Bind parameters handed out as `$n`; a named value is bound once and reused."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._named: dict[str, exp.Expression] = {}

    def add(self, value: Any, sql_type: str) -> exp.Expression:
        self.values.append(value)
        placeholder = exp.Parameter(this=exp.Literal.number(len(self.values)))
        return exp.cast(placeholder, sql_type)

    def named(self, name: str, value: Any, sql_type: str) -> exp.Expression:
        if name not in self._named:
            self._named[name] = self.add(value, sql_type)
        return self._named[name].copy()


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read=DIALECT)


def parse(text: str) -> exp.Expression:
    """A model expression, parsed once and copied for each use."""
    return _parse(text).copy()


def qualify(expression: exp.Expression, alias: str) -> exp.Expression:
    """Prefix every bare column of `expression` with `alias`."""

    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table:
            return exp.column(node.name, table=alias)
        return node

    return expression.transform(visit)


def bind_placeholders(
    expression: exp.Expression, resolve: Callable[[str], exp.Expression]
) -> exp.Expression:
    """Replace each `:name` of a model expression by what `resolve(name)` gives."""

    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            return resolve(str(node.name))
        return node

    return expression.transform(visit)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def utc_day(timestamp: exp.Expression) -> exp.Expression:
    """The UTC calendar day of a timestamptz."""
    return exp.cast(exp.AtTimeZone(this=timestamp, zone=exp.Literal.string("UTC")), "date")


def utc_midnight(day: exp.Expression) -> exp.Expression:
    """The timestamptz at which a UTC day starts."""
    return exp.AtTimeZone(this=exp.cast(day, "timestamp"), zone=exp.Literal.string("UTC"))


def plus_days(day: exp.Expression, days: int) -> exp.Expression:
    return exp.Add(this=day, expression=exp.Literal.number(days))


def nullif_zero(expression: exp.Expression) -> exp.Expression:
    return exp.Nullif(this=expression, expression=exp.Literal.number(0))


def as_float(expression: exp.Expression) -> exp.Expression:
    return exp.cast(expression, "double precision")


def coalesce_zero(expression: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=expression, expressions=[exp.Literal.number(0)])


def and_all(conditions: list[exp.Expression]) -> exp.Expression | None:
    return exp.and_(*conditions) if conditions else None


def date_param(params: Params, name: str, value: dt.date) -> exp.Expression:
    return params.named(name, value, "date")


def render(query: exp.Expression, *, pretty: bool = False) -> str:
    return query.sql(dialect=DIALECT, pretty=pretty)


def values_table(
    rows: list[tuple[exp.Expression, ...]], *, alias: str, columns: list[str]
) -> exp.Expression:
    """`(VALUES (...), (...)) AS alias(columns)` as a FROM-able expression."""
    return exp.Values(
        expressions=[exp.Tuple(expressions=list(row)) for row in rows],
        alias=exp.TableAlias(
            this=exp.to_identifier(alias), columns=[exp.to_identifier(c) for c in columns]
        ),
    )


def mapping_case(
    key: exp.Expression, mapping: Mapping[str, exp.Expression], default: exp.Expression
) -> exp.Expression:
    case = exp.Case()
    for value, result in mapping.items():
        case = case.when(exp.EQ(this=key.copy(), expression=exp.Literal.string(value)), result)
    return case.else_(default)
