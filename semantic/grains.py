"""The grains of an answer: the current range, the previous period and each day of the range.

Every metric statement starts from a `grains` CTE with one row per grain:
`grain_id` (0 current, 1 previous, 2 + i for day i of the range), `grain_day` (the day, for
day grains), `lo`/`hi` (the grain's first and last day), `period` ('current' for the range
and its days, 'previous') and `excluded` (protected regions left out of that period).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from semantic.model import Source
from semantic.relations import DAY, Statement
from semantic.rollup_measures import filter_matches, protected_users
from semantic.rollups import RollupPlan
from semantic.sqlparts import col

CURRENT, PREVIOUS, FIRST_DAY = 0, 1, 2


def add_span_bounds(statement: Statement, *, compare: bool) -> None:
    scope = statement.scope
    statement.set_bound("start", scope.range.start)
    statement.set_bound("end", scope.range.end)
    statement.set_bound("reporting_day", scope.reporting_day)
    previous = scope.range.previous()
    statement.set_bound("span_lo", previous.start if compare else scope.range.start)
    statement.set_bound("span_hi", scope.range.end)
    if compare:
        statement.set_bound("previous_start", previous.start)
        statement.set_bound("previous_end", previous.end)


def _rollup_counter(
    statement: Statement, plan: RollupPlan | None
) -> Callable[[exp.Expr, str, str], exp.Expr] | None:
    """Protected users per region and period from the bitmaps, when they can say it."""
    if plan is None or statement.scope.derived_through is None:
        return None
    if statement.bounds["span_hi"] > statement.scope.derived_through:
        return None
    privacy = statement.model.config.privacy
    rollup = plan.rollups.get(privacy.source.name)
    if rollup is None or rollup.region is None or not rollup.bitmaps:
        return None
    matches = {
        d: m
        for d, m in filter_matches(statement, rollup, None).items()
        if d != rollup.region
    }
    wanted = set(matches) | {rollup.region}
    sets = sorted((s for s in rollup.bitmap_sets if wanted <= set(s)), key=len)
    if not sets or set(matches) - set(rollup.bitmap_dimensions):
        return None
    grouped = sets[0]

    def count(region: exp.Expr, lo: str, hi: str) -> exp.Expr:
        return protected_users(statement, rollup, grouped, matches, region=region, lo=lo, hi=hi)

    return count


def add_privacy(
    statement: Statement, *, compare: bool, plan: RollupPlan | None = None
) -> dict[str, exp.Expr]:
    """Per period, the protected regions whose distinct users in the answer's slice (range and
    the filters other than region) fall below the threshold."""
    model, scope = statement.model, statement.scope
    privacy = model.config.privacy
    empty = exp.cast(exp.Array(expressions=[]), "text[]")
    if not scope.privacy or not privacy.protected_regions:
        return {"current": empty, "previous": empty.copy()}
    source = statement.source(privacy.source.name)
    region = privacy.region_dimension.name
    counter = _rollup_counter(statement, plan)
    slice_dimensions = statement.dimensions_of(source) - {region}
    slice_filters = statement.filter_conditions(source, "r", only=slice_dimensions)
    protected = statement.params.named("protected", list(privacy.protected_regions), "text[]")
    threshold = statement.params.named("threshold", privacy.threshold, "int")
    user = statement.root(source).user or "user_id"
    periods = {"current": ("start", "end")}
    if compare:
        periods["previous"] = ("previous_start", "previous_end")
    result: dict[str, exp.Expr] = {"current": empty, "previous": empty.copy()}
    for period, (lo, hi) in periods.items():
        users: exp.Expr
        if counter is not None:
            users = counter(col("p"), lo, hi)
        else:
            rows = statement.rows(source.name, lo="span_lo", hi="span_hi", filtered=False)
            users = (
                exp.select(exp.Count(this=exp.Distinct(expressions=[col(user, "r")])))
                .from_(exp.alias_(exp.to_table(rows), "r", table=True))
                .where(
                    exp.EQ(
                        this=statement.dimension_expression(source, region, "r"),
                        expression=col("p"),
                    ),
                    exp.Between(
                        this=col(DAY, "r"), low=statement.bound(lo), high=statement.bound(hi)
                    ),
                    *slice_filters,
                )
                .subquery()
            )
        below = (
            exp.select(col("p"))
            .from_(exp.alias_(exp.Unnest(expressions=[protected.copy()]), "u", table=["p"]))
            .where(exp.LT(this=users, expression=threshold.copy()))
        )
        result[period] = exp.Array(expressions=[below])
        slice_filters = [c.copy() for c in slice_filters]
    return result


def add_grains(
    statement: Statement, *, compare: bool, series: bool, plan: RollupPlan | None = None
) -> str:
    excluded = add_privacy(statement, compare=compare, plan=plan)
    if series:  # the range and each of its days share the current period's decision
        shared = statement.add_cte(
            "excluded_current", exp.select(exp.alias_(excluded["current"], "excluded"))
        )
        excluded["current"] = exp.select(col("excluded")).from_(shared).subquery()
    null_day = exp.cast(exp.Null(), "date")
    parts: list[exp.Select] = [
        exp.select(
            exp.alias_(exp.Literal.number(CURRENT), "grain_id"),
            exp.alias_(null_day, "grain_day"),
            exp.alias_(statement.bound("start"), "lo"),
            exp.alias_(statement.bound("end"), "hi"),
            exp.alias_(exp.Literal.string("current"), "period"),
            exp.alias_(excluded["current"], "excluded"),
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
                excluded["previous"],
            )
        )
    if series:
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
                excluded["current"].copy(),
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


def region_kept(statement: Statement, source: Source, row: str, grain: str) -> list[exp.Expr]:
    """`NOT region = ANY(excluded)` for sources that have the privacy region dimension."""
    region = statement.model.config.privacy.region_dimension.name
    if region not in statement.dimensions_of(source):
        return []
    column = statement.dimension_expression(source, region, row)
    return [
        exp.not_(
            exp.EQ(this=column, expression=exp.Any(this=exp.Paren(this=col("excluded", grain))))
        )
    ]
