"""The statement that computes one rollup's cells for one app and a span of days.

One row per (day, cell): `day`, `dims` (the cell's value of each rollup dimension, `*` for
all, `~` for the unprotected regions), `sums` (the partials, in the rollup's order) and, per
bitmap and per first (`Rollup.firsts`), `b_<key>` (the ordinals of its users) and, per
bitmap, `t_<key>` (those with two or more rows). The refresh turns the ordinal arrays into
bitmaps, counts from them the users first seen in each cell (gateway/storage/frontier.py: the
statement reads only the days it builds) and stores everything.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from semantic.aggregates import aggregate
from semantic.model import Agg, AppKind, SemanticModel
from semantic.query import CompiledQuery, DateRange, Scope
from semantic.relations import DAY, Statement
from semantic.rollups import (
    ALL,
    ORDINALS_TABLE,
    UNPROTECTED,
    Bitmap,
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


def user_keys(rollup: Rollup) -> tuple[Bitmap, ...]:
    """The users the build statement lists per cell (`b_<key>`): those of the stored bitmaps
    and those the firsts are counted from."""
    return tuple({b.key: b for b in (*rollup.bitmaps, *rollup.firsts)}.values())


def _statement(
    model: SemanticModel,
    rollup: Rollup,
    *,
    app_id: str,
    kind: str,
    lo: dt.date | None,
    hi: dt.date,
) -> tuple[Statement, str]:
    """A statement over the app's rows of the rollup's source on the days [lo, hi] (from the
    first day without lo), and the name of their relation. The refresh has stored the app's
    first rows through `hi` before it builds (gateway/storage/first_rows.py), so a `first_of`
    source's rows are read from there, not taken from every row the app ever sent."""
    scope = Scope(
        app_id=app_id,
        kind=AppKind(kind),
        module="",
        range=DateRange(start=lo or hi, end=hi),
        reporting_day=hi,
        privacy=False,
        derived_through=hi,
    )
    statement = Statement(model=model, scope=scope)
    if lo is not None:
        statement.set_bound("lo", lo)
    statement.set_bound("hi", hi)
    bound = "lo" if lo is not None else None
    rows = statement.rows(rollup.source, lo=bound, hi="hi", filtered=False)
    return statement, rows


def _by_user(
    statement: Statement,
    rollup: Rollup,
    relation: exp.Expr,
    *,
    by_day: bool,
    keys: tuple[Bitmap, ...],
) -> exp.Select:
    """Per user ordinal (and day, `by_day`) and cell of the rollup's grouping sets: the
    count of rows of each of `keys` (`c_<key>`), with `ord`, `dims` and `keep`."""
    source = statement.source(rollup.source)
    user = user_of(statement.model, source)
    assert user is not None
    base = exp.select(exp.alias_(col(DAY, "r"), "day")) if by_day else exp.select()
    base = base.from_(relation)
    for bitmap in keys:
        flag = statement.expression(bitmap.where, "r") if bitmap.where else None
        count: exp.Expr = exp.Count(this=exp.Star())
        if flag is not None:
            count = exp.Filter(this=count, expression=exp.Where(this=flag))
        base = base.select(exp.alias_(count, f"c_{bitmap.key}"))
    ordinals = exp.alias_(exp.to_table(ORDINALS_TABLE), "o", table=True)
    base = base.join(
        ordinals,
        on=exp.and_(
            exp.EQ(this=col("app_id", "o"), expression=statement.app()),
            exp.EQ(this=col("user_id", "o"), expression=col(user, "r")),
        ),
    ).select(exp.alias_(col("ordinal", "o"), "ord"))
    return base


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
    statement, rows = _statement(model, rollup, app_id=app_id, kind=kind, lo=lo, hi=hi)
    source = statement.source(rollup.source)
    dims = [statement.dimension_expression(source, d, "r") for d in rollup.dimensions]
    relation = _marked(statement, rollup, rows)
    users = user_of(model, source) is not None and bool(user_keys(rollup))
    keys: list[exp.Expr] = [col(DAY, "r")]
    if users:
        base = _by_user(statement, rollup, relation, by_day=True, keys=user_keys(rollup))
        keys.append(col("ordinal", "o"))
    else:
        base = exp.select(exp.alias_(col(DAY, "r"), "day")).from_(relation)
    for i, partial in enumerate(rollup.partials, start=1):
        base = base.select(exp.alias_(_partial_value(statement, partial, "r"), f"p{i}"))
    sets = _grouping_sets(rollup, rollup.grouping_sets, dims, keys)
    base.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=sets)]))
    base = base.select(*_dims_array(rollup, dims), append=True)
    inner = statement.add_cte("cells_by_user", base)
    final = _outer(rollup, inner, users=users)
    return CompiledQuery(
        sql=render(statement.with_ctes(final)), params=tuple(statement.params.values)
    )


def compile_rollup_seen(
    model: SemanticModel, rollup: Rollup, *, app_id: str, kind: str, before: dt.date
) -> CompiledQuery:
    """Per cell of the rollup's partials (`dims`), the ordinals of the users of each of its
    `firsts` (`b_<key>`) with rows on the days before `before`: where counting users first
    seen in a cell starts when the refresh has no stored state for the day before."""
    statement, rows = _statement(
        model, rollup, app_id=app_id, kind=kind, lo=None, hi=before - dt.timedelta(days=1)
    )
    source = statement.source(rollup.source)
    dims = [statement.dimension_expression(source, d, "r") for d in rollup.dimensions]
    base = _by_user(
        statement, rollup, _marked(statement, rollup, rows), by_day=False, keys=rollup.firsts
    )
    sets = _grouping_sets(rollup, rollup.cell_sets, dims, [col("ordinal", "o")])
    base.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=sets)]))
    base = base.select(*_dims_array(rollup, dims), append=True)
    inner = statement.add_cte("seen_by_user", base)
    final = exp.select(col("dims")).from_(inner).where(col("keep")).group_by(col("dims"))
    for bitmap in rollup.firsts:
        final = final.select(exp.alias_(_users_with(bitmap, least=1), f"b_{bitmap.key}"))
    return CompiledQuery(
        sql=render(statement.with_ctes(final)), params=tuple(statement.params.values)
    )


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


def _grouping_sets(
    rollup: Rollup,
    grouped: tuple[tuple[str, ...], ...],
    dims: list[exp.Expr],
    keys: list[exp.Expr],
) -> list[exp.Expr]:
    """Each set of `grouped` (with its `~` variant), after the `keys` every set has."""
    by_name = dict(zip(rollup.dimensions, dims, strict=True))
    sets: list[exp.Expr] = []
    for names in grouped:
        for swapped in _variants(rollup, names):
            members = [
                col(_REGION_U, "r") if n == rollup.region and swapped else by_name[n].copy()
                for n in names
            ]
            sets.append(exp.Tuple(expressions=[*[k.copy() for k in keys], *members]))
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


def _users_with(bitmap: Bitmap, *, least: int) -> exp.Expr:
    """The ordinals of the users with at least `least` rows of `bitmap` in the group."""
    return exp.Filter(
        this=exp.ArrayAgg(this=col("ord")),
        expression=exp.Where(
            this=exp.GTE(this=col(f"c_{bitmap.key}"), expression=exp.Literal.number(least))
        ),
    )


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
        for bitmap in user_keys(rollup):
            query = query.select(exp.alias_(_users_with(bitmap, least=1), f"b_{bitmap.key}"))
        for bitmap in rollup.bitmaps:
            query = query.select(exp.alias_(_users_with(bitmap, least=2), f"t_{bitmap.key}"))
    return (
        query.where(col("keep")).group_by(col("day"), col("dims")).order_by(col("day"), col("dims"))
    )


def user_tables(model: SemanticModel, plan: RollupPlan) -> list[tuple[str, str, bool, str]]:
    """(table, time column, time is a date, user column) of every table whose users some
    bitmap or first counts."""
    found: dict[tuple[str, str, bool, str], None] = {}
    for rollup in plan.rollups.values():
        if not user_keys(rollup):
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
