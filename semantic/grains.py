"""The grains of an answer: the current range, the previous period and each bucket of the
range's series: its days, or its ISO weeks or calendar months.

Every metric statement starts from a `grains` CTE with one row per grain:
`grain_id` (0 current, 1 previous, 2 + i for bucket i of the range), `grain_day` (a bucket's
first day within the range), `lo`/`hi` (the grain's first and last day: a week or month bucket
is clipped to the range) and `period` ('current' for the range and its buckets, 'previous').
Each grain keeps protected-region rows only from the shown privacy cells lying wholly inside
[lo, hi] (see `semantic.privacy`), so a week's point includes a shown week, a day's not.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from semantic.privacy import add_privacy_days, applies
from semantic.query import Granularity
from semantic.relations import Statement
from semantic.sqlparts import col

CURRENT, PREVIOUS, FIRST_DAY = 0, 1, 2


def add_span_bounds(statement: Statement, *, compare: bool) -> None:
    scope = statement.scope
    statement.set_bound("start", scope.range.start)
    statement.set_bound("end", scope.range.end)
    statement.set_bound("reporting_day", scope.reporting_day)
    statement.set_bound("decided_through", scope.reporting_day - dt.timedelta(days=scope.late_days))
    previous = scope.range.previous()
    statement.set_bound("span_lo", previous.start if compare else scope.range.start)
    statement.set_bound("span_hi", scope.range.end)
    if compare:
        statement.set_bound("previous_start", previous.start)
        statement.set_bound("previous_end", previous.end)


def add_grains(
    statement: Statement,
    *,
    compare: bool,
    series: bool,
    granularity: Granularity = Granularity.DAY,
) -> str:
    null_day = exp.cast(exp.Null(), "date")
    parts: list[exp.Select] = [
        exp.select(
            exp.alias_(exp.Literal.number(CURRENT), "grain_id"),
            exp.alias_(null_day, "grain_day"),
            exp.alias_(statement.bound("start"), "lo"),
            exp.alias_(statement.bound("end"), "hi"),
            exp.alias_(exp.Literal.string("current"), "period"),
        )
    ]
    if compare:
        parts.append(
            exp.select(
                exp.Literal.number(PREVIOUS),
                null_day.copy(),
                statement.bound("previous_start"),
                statement.bound("previous_end"),
                exp.Literal.string("previous"),
            )
        )
    if series and granularity is not Granularity.DAY:
        parts.append(_buckets(statement, granularity))
    elif series:
        offset = col("i")
        day = exp.Add(this=statement.bound("start"), expression=offset)
        count = exp.Sub(this=statement.bound("end"), expression=statement.bound("start"))
        parts.append(
            exp.select(
                exp.Add(this=exp.Literal.number(FIRST_DAY), expression=offset.copy()),
                day,
                day.copy(),
                day.copy(),
                exp.Literal.string("current"),
            ).from_(
                exp.Table(
                    this=exp.func("generate_series", exp.Literal.number(0), count),
                    alias=exp.TableAlias(
                        this=exp.to_identifier("s"), columns=[exp.to_identifier("i")]
                    ),
                )
            )
        )
    query: exp.Query = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return statement.add_cte("grains", query)


def _buckets(statement: Statement, granularity: Granularity) -> exp.Select:
    """One grain per ISO week or calendar month the range touches, clipped to the range: the
    range's days grouped by `date_trunc`, numbered in order (the SQL text is the same for every
    range, whose bounds stay parameters)."""
    offset = col("i")
    day = exp.Add(this=statement.bound("start"), expression=offset)
    bucket = exp.cast(
        exp.func("date_trunc", exp.Literal.string(granularity.value), exp.cast(day, "timestamp")),
        "date",
    )
    count = exp.Sub(this=statement.bound("end"), expression=statement.bound("start"))
    days = exp.select(exp.alias_(day.copy(), "day"), exp.alias_(bucket, "b")).from_(
        exp.Table(
            this=exp.func("generate_series", exp.Literal.number(0), count),
            alias=exp.TableAlias(this=exp.to_identifier("s"), columns=[exp.to_identifier("i")]),
        )
    )
    number = exp.Window(
        this=exp.RowNumber(), order=exp.Order(expressions=[exp.Ordered(this=col("b"))])
    )
    grain_id = exp.cast(exp.Add(this=exp.Literal.number(FIRST_DAY - 1), expression=number), "int")
    first = exp.Min(this=col("day"))
    return (
        exp.select(
            grain_id,
            first,
            first.copy(),
            exp.Max(this=col("day")),
            exp.Literal.string("current"),
        )
        .from_(days.subquery("u"))
        .group_by(col("b"))
    )


def add_grain_days(statement: Statement, grains: str) -> str:
    """CTE of (grain_id, day[, shown]) for every day of every grain: rows find their grains by
    equality on the day (a hash join) rather than by comparing with each grain's bounds.
    `shown` lists the os keys whose shown cells hold the day inside the grain's days."""
    name = "grain_days"
    if name in statement.ctes:
        return name
    offset = col("i", "s")
    series = exp.Table(
        this=exp.func(
            "generate_series",
            exp.Literal.number(0),
            exp.Sub(this=col("hi", "g"), expression=col("lo", "g")),
        ),
        alias=exp.TableAlias(this=exp.to_identifier("s"), columns=[exp.to_identifier("i")]),
    )
    day = exp.Add(this=col("lo", "g"), expression=offset)
    query = (
        exp.select(col("grain_id", "g"), exp.alias_(day, "day"))
        .from_(exp.alias_(exp.to_table(grains), "g", table=True))
        .join(exp.Lateral(this=series), join_type="cross")
    )
    if applies(statement):
        # `shown` by a join and a grouping, not a subquery per day: PostgreSQL would inline
        # such a subquery into the conditions on every row joined to the day
        days = add_privacy_days(statement)
        shown = exp.Coalesce(
            this=exp.Filter(
                this=exp.func("array_agg", col("os", "p")),
                expression=exp.Where(
                    this=exp.not_(exp.Is(this=col("os", "p"), expression=exp.Null()))
                ),
            ),
            expressions=[exp.cast(exp.Array(expressions=[]), "text[]")],
        )
        query = (
            query.select(exp.alias_(shown, "shown"))
            .join(
                exp.alias_(exp.to_table(days), "p", table=True),
                on=exp.and_(
                    exp.EQ(this=col("day", "p"), expression=day.copy()),
                    exp.GTE(this=col("clo", "p"), expression=col("lo", "g")),
                    exp.LTE(this=col("chi", "p"), expression=col("hi", "g")),
                ),
                join_type="left",
            )
            .group_by(col("grain_id", "g"), col("lo", "g"), col("i", "s"))
        )
    return statement.add_cte(name, query)


def shown_days(
    statement: Statement,
    grains: str,
    key: exp.Expr,
    grain: str = "g",
    *,
    till: bool = False,
    grain_id: int | None = None,
) -> exp.Expr:
    """The days whose protected rows grain `grain` keeps for os key `key` (a date[]; empty
    when privacy does not apply, or it keeps none): of its own days, or with `till`, of every
    day up to its last (for till-date windows). With `grain_id`, of that grain, named by its
    number instead of by a row of `grain` (a subquery of no outer row)."""
    if not applies(statement):
        return exp.cast(exp.Array(expressions=[]), "date[]")
    if till:
        days = add_privacy_days(statement)
        return exp.Array(
            expressions=[
                exp.select(col("day", "p"))
                .from_(exp.alias_(exp.to_table(days), "p", table=True))
                .where(
                    exp.EQ(this=col("os", "p"), expression=key),
                    exp.LTE(this=col("chi", "p"), expression=col("hi", grain)),
                )
                .order_by(col("day", "p"))
            ]
        )
    grain_days = add_grain_days(statement, grains)
    return exp.Array(
        expressions=[
            exp.select(col("day", "d"))
            .from_(exp.alias_(exp.to_table(grain_days), "d", table=True))
            .where(
                exp.EQ(
                    this=col("grain_id", "d"),
                    expression=col("grain_id", grain)
                    if grain_id is None
                    else exp.Literal.number(grain_id),
                ),
                exp.EQ(this=key, expression=exp.Any(this=exp.Paren(this=col("shown", "d")))),
            )
            .order_by(col("day", "d"))
        ]
    )
