"""Retention from the derived tables: each cohort day's users are the cohort source's bitmaps
(and sparse ordinals) of that day, and its returns are those among the activity source's
users of day D+N (the app's whole-day bitmap, always stored dense). Same output as
`semantic.views.compile_retention`'s raw statement."""

from __future__ import annotations

from sqlglot import exp

from semantic.grains import shown_days
from semantic.measures import MeasureCompiler
from semantic.privacy import answer_key, applies, covered_within, shown_in
from semantic.privacy_cells import protected_array
from semantic.relations import Statement
from semantic.rollup_measures import _source_is, cell_conditions, filter_matches
from semantic.rollups import BITMAPS_TABLE, Rollup
from semantic.routing import RegionMode, Route
from semantic.sqlparts import as_float, col, nullif_zero, plus_days

_ZERO = exp.Literal.number(0)


def _users_key(alias: str) -> list[exp.Expr]:
    return [
        exp.EQ(this=col("key", alias), expression=exp.Literal.string("users")),
        exp.not_(col("twice", alias)),
    ]


def _coalesce(value: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=value, expressions=[_ZERO.copy()])


def retention_from_rollups(
    statement: Statement,
    measures: MeasureCompiler,
    *,
    cohort: Route,
    activity: Rollup,
    period: int,
) -> exp.Select:
    """Rows per grain: cohort_size, counted_size, retained, rate (see compile_retention)."""
    assert cohort.rollup is not None
    grains = measures.grains
    private = applies(statement)
    key = answer_key(statement)
    covered = (
        shown_in(key, col("shown", "gd")) if private and cohort.rollup.region is not None else None
    )
    conditions = cell_conditions(
        cohort.rollup,
        cohort.grouped,
        "c",
        matches=filter_matches(statement, cohort.rollup, None),
        breakdown=None,
        region=cohort.region,
        covered=covered,
        protected=protected_array(statement)
        if covered is not None and cohort.region is RegionMode.CONSTRAINED
        else None,
    )
    # whether day D + N keeps protected returns: a shown cell inside the grain's return days
    split = private and activity.region is not None
    return_shown: exp.Expr = exp.true()
    if split:
        return_shown = covered_within(
            statement,
            key.copy(),
            plus_days(col("day", "gd"), period),
            plus_days(col("lo", "g"), period),
            plus_days(col("hi", "g"), period),
        )
    cells = (
        exp.select(
            col("grain_id", "g"),
            exp.alias_(col("day", "gd"), "d"),
            exp.alias_(return_shown, "return_shown"),
            col("bits", "c"),
            col("ords", "c"),
        )
        .from_(exp.alias_(exp.to_table(grains), "g", table=True))
        .join(
            exp.alias_(exp.to_table(measures.grain_days()), "gd", table=True),
            on=exp.EQ(this=col("grain_id", "gd"), expression=col("grain_id", "g")),
        )
        .join(
            exp.alias_(exp.to_table(BITMAPS_TABLE), "c", table=True),
            on=exp.and_(
                *_source_is("c", statement, cohort.rollup),
                *_users_key("c"),
                exp.Between(
                    this=col("day", "c"),
                    low=statement.bound("span_lo"),
                    high=statement.bound("span_hi"),
                ),
                exp.EQ(this=col("day", "c"), expression=col("day", "gd")),
                *conditions,
            ),
        )
    )
    cells_cte = statement.add_cte("cohort_cells", cells)
    keys = [col("grain_id"), col("d")]
    dense = (
        exp.select(*keys, exp.alias_(exp.func("bit_or", col("bits")), "b"))
        .from_(cells_cte)
        .where(exp.not_(exp.Is(this=col("bits"), expression=exp.Null())))
        .group_by(*[k.copy() for k in keys])
    )
    dense_cte = statement.add_cte("cohort_dense", dense)
    sparse = (
        exp.select(col("grain_id", "x"), col("d", "x"), col("o", "u"))
        .distinct()
        .from_(exp.alias_(exp.to_table(cells_cte), "x", table=True))
        .join(
            exp.alias_(exp.Unnest(expressions=[col("ords", "x")]), "u", table=["o"]),
            join_type="cross",
        )
    )
    sparse_cte = statement.add_cte("cohort_sparse", sparse)
    # the whole day's users: of every region (gset 0), and of the unprotected ones
    whole_days = [exp.Literal.number(0)]
    if split:
        assert activity.region is not None
        whole_days.append(exp.Literal.number(activity.gset((activity.region,), unprotected=True)))
    returns = (
        exp.select(
            col("day", "a"),
            exp.alias_(exp.NEQ(this=col("gset", "a"), expression=_ZERO.copy()), "unprotected"),
            col("bits", "a"),
        )
        .from_(exp.alias_(exp.to_table(BITMAPS_TABLE), "a", table=True))
        .where(
            *_source_is("a", statement, activity),
            *_users_key("a"),
            exp.In(this=col("gset", "a"), expressions=whole_days),
            exp.Between(
                this=col("day", "a"),
                low=plus_days(statement.bound("span_lo"), period),
                high=statement.bound("reporting_day"),
            ),
        )
    )
    returns_cte = statement.add_cte("returns", returns)

    def same(a: str, b: str) -> exp.Expr:
        return exp.and_(
            exp.EQ(this=col("grain_id", a), expression=col("grain_id", b)),
            exp.EQ(this=col("d", a), expression=col("d", b)),
        )

    unseen = exp.or_(
        exp.Is(this=col("b", "cd"), expression=exp.Null()),
        exp.EQ(this=exp.func("get_bit", col("b", "cd"), col("o", "s")), expression=_ZERO.copy()),
    )
    returned = exp.EQ(
        this=exp.func("get_bit", col("bits", "a"), col("o", "s")), expression=exp.Literal.number(1)
    )
    size = exp.Add(
        this=_coalesce(exp.Max(this=exp.func("bit_count", col("b", "cd")))),
        expression=exp.Filter(
            this=exp.Count(this=col("o", "s")), expression=exp.Where(this=unseen)
        ),
    )
    both = exp.BitwiseAnd(this=col("b", "cd"), expression=col("bits", "a"))
    kept = exp.Add(
        this=_coalesce(exp.Max(this=exp.func("bit_count", both))),
        expression=exp.Filter(
            this=exp.Count(this=col("o", "s")),
            expression=exp.Where(this=exp.and_(unseen.copy(), returned)),
        ),
    )
    present = exp.select(col("grain_id"), col("d"), col("return_shown")).distinct().from_(cells_cte)
    per_day = (
        exp.select(
            col("grain_id", "k"), col("d", "k"), exp.alias_(size, "size"), exp.alias_(kept, "kept")
        )
        .from_(present.subquery("k"))
        .join(
            exp.alias_(exp.to_table(dense_cte), "cd", table=True),
            on=same("cd", "k"),
            join_type="left",
        )
        .join(
            exp.alias_(exp.to_table(sparse_cte), "s", table=True),
            on=same("s", "k"),
            join_type="left",
        )
        .join(
            exp.alias_(exp.to_table(returns_cte), "a", table=True),
            on=exp.and_(
                exp.EQ(this=col("day", "a"), expression=plus_days(col("d", "k"), period)),
                exp.NEQ(this=col("unprotected", "a"), expression=col("return_shown", "k")),
            ),
            join_type="left",
        )
        .group_by(col("grain_id", "k"), col("d", "k"))
    )
    per_day_cte = statement.add_cte("cohort_days", per_day)
    reporting_day = statement.bound("reporting_day")
    counted = exp.LTE(this=plus_days(col("d", "p"), period), expression=reporting_day)
    cohort_size = exp.cast(_coalesce(exp.Sum(this=col("size", "p"))), "bigint")
    counted_size = exp.cast(
        _coalesce(
            exp.Filter(this=exp.Sum(this=col("size", "p")), expression=exp.Where(this=counted))
        ),
        "bigint",
    )
    judged = exp.LTE(this=plus_days(col("lo", "g"), period), expression=reporting_day.copy())
    retained_count = exp.cast(
        _coalesce(
            exp.Filter(
                this=exp.Sum(this=col("kept", "p")), expression=exp.Where(this=counted.copy())
            )
        ),
        "bigint",
    )
    retained = exp.Case().when(judged, retained_count)
    rate = exp.Div(this=as_float(retained.copy()), expression=nullif_zero(counted_size.copy()))
    return (
        exp.select(
            col("grain_id", "g"),
            col("grain_day", "g"),
            exp.alias_(shown_days(statement, grains, key.copy()), "shown_days"),
            exp.alias_(cohort_size, "cohort_size"),
            exp.alias_(counted_size, "counted_size"),
            exp.alias_(retained, "retained"),
            exp.alias_(rate, "rate"),
        )
        .from_(exp.alias_(exp.to_table(grains), "g", table=True))
        .join(
            exp.alias_(exp.to_table(per_day_cte), "p", table=True),
            on=exp.EQ(this=col("grain_id", "p"), expression=col("grain_id", "g")),
            join_type="left",
        )
        .group_by(col("grain_id", "g"), col("grain_day", "g"), col("lo", "g"))
        .order_by(col("grain_id", "g"))
    )
