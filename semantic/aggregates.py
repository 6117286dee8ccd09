"""Aggregate expressions for each `Agg`, as a dispatch table."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from semantic.model import Agg
from semantic.sqlparts import nullif_zero

Aggregate = Callable[[exp.Expr | None, exp.Expr | None, float | None], exp.Expr]


def _filtered(aggregate: exp.Expr, where: exp.Expr | None) -> exp.Expr:
    if where is None:
        return aggregate
    return exp.Filter(this=aggregate, expression=exp.Where(this=where))


def _need(value: exp.Expr | None) -> exp.Expr:
    if value is None:
        raise ValueError("this aggregate needs an expression")
    return value


def _percentile(value: exp.Expr | None, p: float) -> exp.Expr:
    return exp.WithinGroup(
        this=exp.PercentileCont(this=exp.Literal.number(p)),
        expression=exp.Order(expressions=[exp.Ordered(this=_need(value), nulls_first=False)]),
    )


AGGREGATES: dict[Agg, Aggregate] = {
    Agg.COUNT: lambda value, where, _: _filtered(exp.Count(this=exp.Star()), where),
    Agg.COUNT_DISTINCT: lambda value, where, _: _filtered(
        exp.Count(this=exp.Distinct(expressions=[_need(value)])), where
    ),
    Agg.SUM: lambda value, where, _: _filtered(exp.Sum(this=_need(value)), where),
    Agg.AVG: lambda value, where, _: _filtered(exp.Avg(this=_need(value)), where),
    Agg.MIN: lambda value, where, _: _filtered(exp.Min(this=_need(value)), where),
    Agg.MAX: lambda value, where, _: _filtered(exp.Max(this=_need(value)), where),
    Agg.MEDIAN: lambda value, where, _: _filtered(_percentile(value, 0.5), where),
    Agg.PERCENTILE: lambda value, where, p: _filtered(_percentile(value, p or 0.5), where),
}


def aggregate(
    agg: Agg,
    *,
    value: exp.Expr | None,
    where: exp.Expr | None = None,
    weight: exp.Expr | None = None,
    percentile: float | None = None,
) -> exp.Expr:
    """`agg` over `value` for the rows where `where` holds."""
    if agg is Agg.WEIGHTED_AVG:
        if weight is None:
            raise ValueError("weighted_avg needs a weight")
        weighted = exp.Mul(this=_need(value), expression=weight)
        total = _filtered(exp.Sum(this=weighted), where)
        weights = _filtered(exp.Sum(this=weight.copy()), where.copy() if where else None)
        return exp.Div(this=exp.cast(total, "double precision"), expression=nullif_zero(weights))
    return AGGREGATES[agg](value, where, percentile)


# Aggregates that give 0, not null, over no rows.
ZERO_WHEN_EMPTY = frozenset({Agg.COUNT, Agg.COUNT_DISTINCT, Agg.SUM})
