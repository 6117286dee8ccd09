"""The statement that computes one rollup's cells for one app and a span of days.

One row per (day, cell): `day`, `dims` (the cell's value of each rollup dimension, `*` for
all, `~` for the unprotected regions), `sums` (the partials, in the rollup's order) and, per
bitmap, `b_<key>` (the ordinals of its users) and `t_<key>` (those with two or more rows).
The refresh turns the ordinal arrays into bitmaps and stores everything.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from semantic.aggregates import aggregate
from semantic.model import Agg, SemanticModel
from semantic.query import CompiledQuery, DateRange, Scope
from semantic.relations import DAY, Statement
from semantic.rollups import (
    ALL,
    ORDINALS_TABLE,
    UNPROTECTED,
    Partial,
    PartialAgg,
    Rollup,
    RollupPlan,
    user_of,
)
from semantic.sqlparts import Params, col, render, utc_midnight

_INNER_AGG = {
    PartialAgg.COUNT: Agg.COUNT,
    PartialAgg.SUM: Agg.SUM,
    PartialAgg.MIN: Agg.MIN,
    PartialAgg.MAX: Agg.MAX,
}
_OUTER = {
    PartialAgg.COUNT: exp.Sum,
    PartialAgg.SUM: exp.Sum,
    PartialAgg.MIN: exp.Min,
    PartialAgg.MAX: exp.Max,
}
_REGION_U = "region_u"  # `~` for rows of unprotected regions, null for protected ones


def _grouping(column: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="GROUPING", expressions=[column])


def _partial_value(statement: Statement, partial: Partial, alias: str) -> exp.Expr:
    value = statement.expression(partial.expr, alias) if partial.expr else None
    where = statement.expression(partial.where, alias) if partial.where else None
    if partial.agg is PartialAgg.COUNT and value is not None:
        counted = exp.Count(this=value)
        return exp.Filter(this=counted, expression=exp.Where(this=where)) if where else counted
    return aggregate(_INNER_AGG[partial.agg], value=value, where=where)


def compile_rollup_build(
    model: SemanticModel,
    rollup: Rollup,
    *,
    app_id: str,
    kind: str,
    lo: dt.date | None,
    hi: dt.date,
) -> CompiledQuery:
    """The cells of `rollup` for `app_id` on the days [lo, hi] (from the first day without lo)."""
    from semantic.model import AppKind

    scope = Scope(
        app_id=app_id,
        kind=AppKind(kind),
        module="",
        range=DateRange(start=lo or hi, end=hi),
        reporting_day=hi,
        privacy=False,
    )
    statement = Statement(model=model, scope=scope)
    if lo is not None:
        statement.set_bound("lo", lo)
    statement.set_bound("hi", hi)
    source = statement.source(rollup.source)
    rows = statement.rows(source.name, lo="lo" if lo is not None else None, hi="hi", filtered=False)
    user = user_of(model, source)

    dims = [statement.dimension_expression(source, d, "r") for d in rollup.dimensions]
    relation = _marked(statement, rollup, rows)
    base = exp.select(exp.alias_(col(DAY, "r"), "day")).from_(relation)
    for i, partial in enumerate(rollup.partials, start=1):
        base = base.select(exp.alias_(_partial_value(statement, partial, "r"), f"p{i}"))
    for bitmap in rollup.bitmaps:
        flag = statement.expression(bitmap.where, "r") if bitmap.where else None
        count: exp.Expr = exp.Count(this=exp.Star())
        if flag is not None:
            count = exp.Filter(this=count, expression=exp.Where(this=flag))
        base = base.select(exp.alias_(count, f"c_{bitmap.key}"))
    keys: list[exp.Expr] = []
    users = user is not None and bool(rollup.bitmaps)
    if users:
        assert user is not None
        ordinals = exp.alias_(exp.to_table(ORDINALS_TABLE), "o", table=True)
        base = base.join(
            ordinals,
            on=exp.and_(
                exp.EQ(this=col("app_id", "o"), expression=statement.app()),
                exp.EQ(this=col("user_id", "o"), expression=col(user, "r")),
            ),
        ).select(exp.alias_(col("ordinal", "o"), "ord"))
        keys.append(col("ordinal", "o"))
    sets = _grouping_sets(rollup, dims, keys)
    base.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=sets)]))
    base = base.select(*_dims_array(rollup, dims), append=True)
    inner = statement.add_cte("cells_by_user", base)
    final = _outer(rollup, inner, users=users)
    if rollup.firsts:
        final = _with_firsts(statement, rollup, final, lo=lo)
    return CompiledQuery(
        sql=render(statement.with_ctes(final)), params=tuple(statement.params.values)
    )


def _with_firsts(
    statement: Statement, rollup: Rollup, cells: exp.Select, *, lo: dt.date | None
) -> exp.Select:
    """Append to `sums` the count of users whose first row in the cell (over all days) is on
    the cell's day, for each of the rollup's `firsts`."""
    source = statement.source(rollup.source)
    user = user_of(statement.model, source)
    assert user is not None
    rows = statement.rows(source.name, lo=None, hi="hi", filtered=False)
    dims = [statement.dimension_expression(source, d, "r") for d in rollup.dimensions]
    relation = _marked(statement, rollup, rows)
    base = exp.select(exp.alias_(col(user, "r"), "uid")).from_(relation)
    for bitmap in rollup.firsts:
        first: exp.Expr = exp.Min(this=col(DAY, "r"))
        if bitmap.where:
            first = exp.Filter(
                this=first, expression=exp.Where(this=statement.expression(bitmap.where, "r"))
            )
        base = base.select(exp.alias_(first, f"f_{bitmap.key}"))
    by_name = dict(zip(rollup.dimensions, dims, strict=True))
    sets: list[exp.Expr] = []
    for names in rollup.cell_sets:
        for swapped in _variants(rollup, names):
            members = [
                col(user, "r"),
                *[
                    col(_REGION_U, "r") if n == rollup.region and swapped else by_name[n].copy()
                    for n in names
                ],
            ]
            sets.append(exp.Tuple(expressions=members))
    base.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=sets)]))
    base = base.select(*_dims_array(rollup, dims), append=True)
    firsts_by_user = statement.add_cte("firsts_by_user", base)
    counts = []
    for bitmap in rollup.firsts:
        key = f"f_{bitmap.key}"
        day = col(key)
        query = (
            exp.select(
                exp.alias_(day, "day"),
                col("dims"),
                exp.alias_(exp.Count(this=exp.Star()), "n"),
            )
            .from_(firsts_by_user)
            .where(col("keep"), exp.not_(exp.Is(this=day.copy(), expression=exp.Null())))
            .group_by(day.copy(), col("dims"))
        )
        if lo is not None:
            query = query.where(exp.GTE(this=day.copy(), expression=statement.bound("lo")))
        counts.append(statement.add_cte(f"firsts_{bitmap.key}", query))
    main = statement.add_cte("cells", cells)
    extra = [
        exp.Coalesce(this=col("n", f"f{i}"), expressions=[exp.Literal.number(0)])
        for i in range(len(counts))
    ]
    sums = exp.ArrayConcat(
        this=col("sums", "c"),
        expressions=[exp.cast(exp.Array(expressions=extra), "numeric[]")],
    )
    final = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("c")))
    final = final.from_(exp.alias_(exp.to_table(main), "c", table=True))
    final = final.select(exp.alias_(sums, "all_sums"))
    for i, cte in enumerate(counts):
        final = final.join(
            exp.alias_(exp.to_table(cte), f"f{i}", table=True),
            on=exp.and_(
                exp.EQ(this=col("day", f"f{i}"), expression=col("day", "c")),
                exp.EQ(this=col("dims", f"f{i}"), expression=col("dims", "c")),
            ),
            join_type="left",
        )
    return final


def _marked(statement: Statement, rollup: Rollup, rows: str) -> exp.Expr:
    """The rows of `rows` as `r`, with `region_u` when the rollup has the privacy region."""
    if rollup.region is None:
        return exp.alias_(exp.to_table(rows), "r", table=True)
    source = statement.source(rollup.source)
    protected = statement.params.named(
        "protected", list(statement.model.config.privacy.protected_regions), "text[]"
    )
    region = statement.dimension_expression(source, rollup.region, "u")
    unprotected = exp.Case().when(
        exp.not_(exp.EQ(this=region, expression=exp.Any(this=exp.Paren(this=protected)))),
        exp.Literal.string(UNPROTECTED),
    )
    return (
        exp.select(exp.Star(), exp.alias_(unprotected, _REGION_U))
        .from_(exp.alias_(exp.to_table(rows), "u", table=True))
        .subquery("r")
    )


def _variants(rollup: Rollup, names: tuple[str, ...]) -> tuple[bool, ...]:
    """Each set once by region value, and once more by `~` when it has the region."""
    return (False, True) if rollup.region is not None and rollup.region in names else (False,)


def _grouping_sets(rollup: Rollup, dims: list[exp.Expr], keys: list[exp.Expr]) -> list[exp.Expr]:
    day = col(DAY, "r")
    by_name = dict(zip(rollup.dimensions, dims, strict=True))
    sets: list[exp.Expr] = []
    for names in rollup.grouping_sets:
        for swapped in _variants(rollup, names):
            members = [
                col(_REGION_U, "r") if n == rollup.region and swapped else by_name[n].copy()
                for n in names
            ]
            sets.append(exp.Tuple(expressions=[day.copy(), *[k.copy() for k in keys], *members]))
    return sets


def _dims_array(rollup: Rollup, dims: list[exp.Expr]) -> list[exp.Expr]:
    """`dims` (the cell's values) and `keep` (false for the null group of protected rows)."""
    values: list[exp.Expr] = []
    for name, dim in zip(rollup.dimensions, dims, strict=True):
        grouped_away = exp.EQ(this=_grouping(dim.copy()), expression=exp.Literal.number(1))
        value: exp.Expr = (
            exp.Case()
            .when(grouped_away, exp.Literal.string(ALL))
            .else_(exp.cast(dim.copy(), "text"))
        )
        if name == rollup.region:
            by_unprotected = exp.EQ(
                this=_grouping(col(_REGION_U, "r")), expression=exp.Literal.number(0)
            )
            value = exp.Case().when(by_unprotected, col(_REGION_U, "r")).else_(value)
        values.append(value)
    result: list[exp.Expr] = [
        exp.alias_(exp.Array(expressions=values), "dims")
        if values
        else exp.alias_(exp.cast(exp.Array(expressions=[]), "text[]"), "dims")
    ]
    keep: exp.Expr = exp.true()
    if rollup.region is not None:
        keep = exp.or_(
            exp.EQ(this=_grouping(col(_REGION_U, "r")), expression=exp.Literal.number(1)),
            exp.not_(exp.Is(this=col(_REGION_U, "r"), expression=exp.Null())),
        )
    result.append(exp.alias_(keep, "keep"))
    return result


def _outer(rollup: Rollup, inner: str, *, users: bool) -> exp.Select:
    sums = [
        exp.cast(_OUTER[p.agg](this=col(f"p{i}")), "numeric")
        for i, p in enumerate(rollup.partials, start=1)
    ]
    query = exp.select(
        col("day"),
        col("dims"),
        exp.alias_(exp.cast(exp.Array(expressions=sums), "numeric[]"), "sums"),
    ).from_(inner)
    if users:
        for bitmap in rollup.bitmaps:
            count = col(f"c_{bitmap.key}")
            for prefix, least in (("b", 1), ("t", 2)):
                agg = exp.Filter(
                    this=exp.ArrayAgg(this=col("ord")),
                    expression=exp.Where(
                        this=exp.GTE(this=count.copy(), expression=exp.Literal.number(least))
                    ),
                )
                query = query.select(exp.alias_(agg, f"{prefix}_{bitmap.key}"))
    return (
        query.where(col("keep")).group_by(col("day"), col("dims")).order_by(col("day"), col("dims"))
    )


def user_tables(model: SemanticModel, plan: RollupPlan) -> list[tuple[str, str, bool, str]]:
    """(table, time column, time is a date, user column) of every table whose users some
    bitmap counts."""
    found: dict[tuple[str, str, bool, str], None] = {}
    for rollup in plan.rollups.values():
        if not rollup.bitmaps:
            continue
        source = model.sources[rollup.source]
        while source.first_of is not None:
            source = model.sources[source.first_of.name]
        if source.table and source.user:
            found[(source.table, source.time, source.time_is_date, source.user)] = None
    return list(found)


def compile_new_ordinals(
    model: SemanticModel, plan: RollupPlan, *, app_id: str, lo: dt.date | None, base: int
) -> CompiledQuery | None:
    """INSERT the ordinals of users with rows on or after `lo` who have none yet, numbered
    from `base` in order of their first row."""
    params = Params()
    app = params.named("app_id", app_id, "text")
    firsts: list[exp.Select] = []
    for table, time, is_date, user in user_tables(model, plan):
        at: exp.Expr = col(time, "t")
        if is_date:
            at = utc_midnight(at)
        query = (
            exp.select(exp.alias_(col(user, "t"), "user_id"), exp.alias_(exp.Min(this=at), "at"))
            .from_(exp.alias_(exp.to_table(table), "t", table=True))
            .where(exp.EQ(this=col("app_id", "t"), expression=app.copy()))
            .group_by(col(user, "t"))
        )
        if lo is not None:
            bound = params.named("lo", lo, "date")
            query = query.where(
                exp.GTE(this=col(time, "t"), expression=bound if is_date else utc_midnight(bound))
            )
        firsts.append(query)
    if not firsts:
        return None
    union: exp.Query = firsts[0]
    for part in firsts[1:]:
        union = exp.union(union, part, distinct=False)
    known = (
        exp.select(exp.Literal.number(1))
        .from_(exp.alias_(exp.to_table(ORDINALS_TABLE), "o", table=True))
        .where(
            exp.and_(
                exp.EQ(this=col("app_id", "o"), expression=app.copy()),
                exp.EQ(this=col("user_id", "o"), expression=col("user_id", "n")),
            )
        )
    )
    number = exp.Window(
        this=exp.RowNumber(),
        order=exp.Order(
            expressions=[exp.Ordered(this=col("at")), exp.Ordered(this=col("user_id"))]
        ),
    )
    start = params.named("base", base, "int")
    newcomers = (
        exp.select(
            app.copy(),
            col("user_id"),
            exp.Sub(this=exp.Add(this=start, expression=number), expression=exp.Literal.number(1)),
        )
        .from_(
            exp.select(col("user_id"), exp.alias_(exp.Min(this=col("at")), "at"))
            .from_(union.subquery("u"))
            .group_by(col("user_id"))
            .subquery("n")
        )
        .where(exp.not_(exp.Exists(this=known)))
    )
    insert = exp.insert(
        newcomers, exp.to_table(ORDINALS_TABLE), columns=["app_id", "user_id", "ordinal"]
    )
    return CompiledQuery(sql=render(insert), params=tuple(params.values))
