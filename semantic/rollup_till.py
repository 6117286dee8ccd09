"""Till-date users from the bitmaps, beside shown privacy cells, each day's cells read once.

A till-date count (users seen on any day up to the grain's last, `window: cumulative`) cannot
be summed from first-seen cells when some days keep their protected users and others do not:
it ORs the users of every day up to the grain's end `hi`, each day's cells chosen as the
privacy cells say *at hi*: a day whose first shown cell (for the answer's os key) ends by hi
keeps its protected users, any other day only its unprotected ones.

Read per grain, that is every day once for each grain (a 30-day series over 150 days of data
ORs 4,500 bitmaps). Instead each cell is read once and given the first grain end at which it
counts, its *start*:

- a cell chosen for a day without its protected users counts from its own day on;
- a cell chosen for a day that keeps them counts from the end `e` of the day's first shown
  cell on (e >= day; never when the day has no shown cell).

The cells of a day without its protected users hold a subset of the users of the cells of
the same day with them (`~` within `*`; a region list less the protected regions within the
list), so counting both from e on changes no grain's users. Each grain's users are then the
cells that start by its end: the cells are put in the bucket of the first grain end at or
after their start, the buckets' bitmaps OR-ed in order of their ends (a running `bit_or`),
and each grain reads the running bitmap of the last bucket by its end, plus the ordinals of
the sparse cells of every bucket by then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from semantic.privacy import add_privacy_days, answer_key
from semantic.rollups import BITMAPS_TABLE
from semantic.routing import Route
from semantic.sqlparts import col, element

if TYPE_CHECKING:
    from semantic.rollup_measures import RollupMeasures

def _ends(measures: RollupMeasures) -> str:
    """CTE (os, day, e): the end of the first shown cell of each os key holding each day."""
    name = "till_ends"
    statement = measures.statement
    if name not in statement.ctes:
        days = add_privacy_days(statement)
        query = (
            exp.select(col("os"), col("day"), exp.alias_(exp.Min(this=col("chi")), "e"))
            .from_(days)
            .group_by(col("os"), col("day"))
        )
        statement.add_cte(name, query)
    return name


def _same_key(a: str, b: str, keyed: bool) -> list[exp.Expr]:
    return [exp.NullSafeEQ(this=col("bkey", a), expression=col("bkey", b))] if keyed else []


def till_cells(measures: RollupMeasures, route: Route, extra: list[exp.Expr]) -> str:
    """CTE (grain_id[, bkey], bits, ords) of the cells that count for each grain: per grain
    and key one running bitmap, and the sparse cells' ordinal arrays."""
    rollup = route.rollup
    assert rollup is not None
    statement = measures.statement
    keyed = measures.breakdown is not None
    os = statement.model.config.privacy.os_dimension.name
    os_row = element(col("dims", "c"), rollup.position(os)) if measures.breakdown == os else None
    uncovered = exp.and_(*measures.cells_of(route, "c", covered=exp.false()))
    covered = exp.and_(*measures.cells_of(route, "c", covered=exp.true()))
    start = exp.Case().when(uncovered, col("day", "c")).when(covered, col("e", "f"))
    span_hi = statement.bound("span_hi")
    cells = (
        exp.select(
            *[exp.alias_(k, "bkey") for k in measures.key(route, "c")],
            col("bits", "c"),
            col("ords", "c"),
            exp.alias_(start, "start"),
        )
        .from_(exp.alias_(exp.to_table(BITMAPS_TABLE), "c", table=True))
        .join(
            exp.alias_(exp.to_table(_ends(measures)), "f", table=True),
            on=exp.and_(
                exp.EQ(this=col("day", "f"), expression=col("day", "c")),
                exp.EQ(this=col("os", "f"), expression=answer_key(statement, os_row=os_row)),
            ),
            join_type="left",
        )
        .where(
            exp.EQ(this=col("app_id", "c"), expression=statement.app()),
            exp.EQ(this=col("source", "c"), expression=exp.Literal.string(rollup.source)),
            exp.LTE(this=col("day", "c"), expression=span_hi),
            *extra,
            exp.or_(exp.Paren(this=uncovered.copy()), exp.Paren(this=covered.copy())),
        )
    )
    bucket = exp.Subquery(
        this=exp.select(exp.Min(this=col("hi", "g")))
        .from_(exp.alias_(exp.to_table(measures.grains), "g", table=True))
        .where(exp.GTE(this=col("hi", "g"), expression=col("start", "s")))
    )
    keys = [col("bkey", "s")] if keyed else []
    stream = statement.add_cte(
        measures.name("till_cells"),
        exp.select(*keys, col("bits", "s"), col("ords", "s"), exp.alias_(bucket, "bucket"))
        .from_(cells.subquery("s"))
        .where(exp.LTE(this=col("start", "s"), expression=span_hi.copy())),
    )
    has_bits = exp.not_(exp.Is(this=col("bits"), expression=exp.Null()))
    key_cols = [col("bkey")] if keyed else []
    buckets = statement.add_cte(
        measures.name("till_buckets"),
        exp.select(*key_cols, col("bucket"), exp.alias_(exp.func("bit_or", col("bits")), "bits"))
        .from_(stream)
        .where(has_bits)
        .group_by(*[k.copy() for k in key_cols], col("bucket")),
    )
    running = statement.add_cte(
        measures.name("till_running"),
        exp.select(
            *[k.copy() for k in key_cols],
            col("bucket"),
            exp.alias_(
                exp.Window(
                    this=exp.func("bit_or", col("bits")),
                    partition_by=[k.copy() for k in key_cols],
                    order=exp.Order(expressions=[exp.Ordered(this=col("bucket"))]),
                ),
                "bits",
            ),
        ).from_(buckets),
    )
    # the last bucket with bits by each grain's end, found without carrying the bitmaps
    picks = (
        exp.select(
            col("grain_id", "g"),
            *([col("bkey", "k")] if keyed else []),
            exp.alias_(exp.Max(this=col("bucket", "k")), "bucket"),
        )
        .from_(exp.alias_(exp.to_table(measures.grains), "g", table=True))
        .join(
            exp.select(*key_cols, col("bucket"))
            .distinct()
            .from_(stream)
            .where(has_bits.copy())
            .subquery("k"),
            on=exp.LTE(this=col("bucket", "k"), expression=col("hi", "g")),
        )
        .group_by(col("grain_id", "g"), *([col("bkey", "k")] if keyed else []))
    )
    dense = (
        exp.select(
            col("grain_id", "p"),
            *([col("bkey", "p")] if keyed else []),
            col("bits", "r"),
            exp.alias_(exp.cast(exp.Null(), "int[]"), "ords"),
        )
        .from_(picks.subquery("p"))
        .join(
            exp.alias_(exp.to_table(running), "r", table=True),
            on=exp.and_(
                exp.EQ(this=col("bucket", "r"), expression=col("bucket", "p")),
                *_same_key("r", "p", keyed),
            ),
        )
    )
    sparse = (
        exp.select(
            col("grain_id", "g"),
            *([col("bkey", "s")] if keyed else []),
            exp.alias_(exp.Null(), "bits"),  # typed by the first branch
            col("ords", "s"),
        )
        .from_(exp.alias_(exp.to_table(measures.grains), "g", table=True))
        .join(
            exp.alias_(exp.to_table(stream), "s", table=True),
            on=exp.LTE(this=col("bucket", "s"), expression=col("hi", "g")),
        )
        .where(exp.not_(exp.Is(this=col("ords", "s"), expression=exp.Null())))
    )
    return statement.add_cte(measures.name("cells"), exp.union(dense, sparse, distinct=False))
