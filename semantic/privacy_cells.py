"""The privacy rule's decisions: every complete cell of an app, decided bottom up.

A cell is (app, calendar block, os value or `*` for all). Blocks are the model's calendar
(`Privacy.blocks` days from `Privacy.epoch`: UTC days, ISO weeks, 4- and 12-week periods), each
lying wholly inside one block of the level above. Cells are decided bottom up, once their block
is complete (ends on or before the `decided_through` bound, the reporting day less the late-data
window):

- a cell *passes* with at least `threshold` distinct protected-region users with a session;
- a day is shown when it passes; a larger block when it passes and its remainder (its protected
  rows on days no shown lower cell of the same os slice covers) has no user or passes itself;
  a shown every-os cell whose rows are all of one os covers that os's days as well;
- an os value's cell of a larger block also needs each region that the shown every-os cells
  inside the block make (each less the shown cells inside it, and the block's remainder) to
  have, in that os, no user or a passing count (else the two would isolate their intersection);
- per-os cells of a block are shown only as a complete set: every os value's cell shown so far
  and the all-os cell shown.

The refresh stores the decisions (`minis_privacy_cells`, and per os key and day the smallest
shown cell holding it in `minis_privacy_days`); a statement decides them itself from the same
query when nothing is stored (`semantic.privacy`).
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from semantic.engines import Engine
from semantic.model import AppKind, SemanticModel
from semantic.query import CompiledQuery, DateRange, Scope
from semantic.relations import DAY, Statement
from semantic.sqlparts import col, render

ALL_OS = "*"  # the os key of cells of every os
CELLS_TABLE = "minis_privacy_cells"
DAYS_TABLE = "minis_privacy_days"
# a decided cell; `only_os`: the one os of all its rows, if they have one
CELL_COLUMNS = ("os", "level", "lo", "hi", "users", "remainder", "only_os", "shown")


def protected_array(statement: Statement) -> exp.Expr:
    regions = list(statement.model.config.privacy.protected_regions)
    return statement.params.named("protected", regions, "text[]")


def _text(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def _int(value: int) -> exp.Expr:
    return exp.Literal.number(value)


def block_start(day: dt.date, *, epoch: dt.date, days: int) -> dt.date:
    """The first day of the calendar's `days`-long block holding `day`."""
    return day - dt.timedelta(days=(day - epoch).days % days)


def _block_start(day: exp.Expr, epoch: exp.Expr, days: int) -> exp.Expr:
    """The first day of the `days`-long block holding `day`: day - ((day - epoch) mod days),
    with the modulo kept non-negative for days before the epoch."""
    if days == 1:
        return day
    offset = exp.Mod(
        this=exp.Paren(this=exp.Sub(this=day.copy(), expression=epoch)), expression=_int(days)
    )
    positive = exp.Mod(
        this=exp.Paren(this=exp.Add(this=offset, expression=_int(days))), expression=_int(days)
    )
    return exp.Sub(this=day, expression=exp.Paren(this=positive))


def _distinct_users(where: exp.Expr | None = None) -> exp.Expr:
    count = exp.Count(this=exp.Distinct(expressions=[col("u", "r")]))
    return exp.Filter(this=count, expression=exp.Where(this=where)) if where is not None else count


def add_decisions(statement: Statement, *, final: bool = False) -> str:
    """CTEs deciding every complete cell of the app; the last one, `privacy_cells`, has a row
    per cell with protected rows (`CELL_COLUMNS`). With `final`, the blocks the refresh stored
    decisions for keep them (a decision is final), and every larger block's remainder is
    judged against them: only blocks not decided yet are decided from the rows."""
    name = "privacy_cells"
    if name in statement.ctes:
        return name
    model = statement.model
    privacy = model.config.privacy
    source = statement.source(privacy.source.name)
    os_values = list(model.dimensions[privacy.os_dimension.name].values or ())
    threshold = statement.params.named("threshold", privacy.threshold, "int")
    through = statement.bound("decided_through")
    epoch = exp.cast(_text(privacy.epoch.isoformat()), "date")
    # with `final`, only the rows of blocks not decided yet (from the first day of the largest
    # block that holds the day after the stored decisions)
    lo_bound = "decided_from" if final else None
    rows = statement.rows(source.name, lo=lo_bound, hi="decided_through", filtered=False)
    user = statement.root(source).user or "user_id"
    region = statement.dimension_expression(source, privacy.region_dimension.name, "s")
    os = statement.dimension_expression(source, privacy.os_dimension.name, "s")
    protected = (
        exp.select(
            exp.alias_(col(user, "s"), "u"),
            exp.alias_(col(DAY, "s"), "d"),
            exp.alias_(os, "os"),
        )
        .distinct()
        .from_(exp.alias_(exp.to_table(rows), "s", table=True))
        .where(
            exp.EQ(this=region, expression=exp.Any(this=exp.Paren(this=protected_array(statement))))
        )
    )
    protected_cte = statement.add_cte("privacy_rows", protected)
    real_os = exp.alias_(exp.Coalesce(this=col("os"), expressions=[_text("")]), "real_os")
    keyed = exp.union(
        exp.select(col("u"), col("d"), exp.alias_(_text(ALL_OS), "os"), real_os).from_(
            protected_cte
        ),
        exp.select(col("u"), col("d"), col("os"), real_os.copy())
        .from_(protected_cte)
        .where(
            exp.In(this=col("os"), expressions=[_text(v) for v in os_values])
            if os_values
            else exp.false()
        ),
        distinct=True,
    )
    keyed_cte = statement.add_cte("privacy_keyed", keyed)
    decided: list[str] = []
    for level, days in enumerate(privacy.blocks):
        lo = _block_start(col("d", "r"), epoch.copy(), days)
        hi = exp.Add(this=col("lo"), expression=_int(days - 1))
        users = _distinct_users()
        selects: list[exp.Expr] = [col("os", "r"), exp.alias_(lo, "lo")]
        query = exp.select().from_(exp.alias_(exp.to_table(keyed_cte), "r", table=True))
        remainder: exp.Expr = exp.cast(exp.Null(), "bigint")
        if decided:
            covered = statement.add_cte(f"privacy_covered_{level}", _covered_days(decided))
            query = query.join(
                exp.alias_(exp.to_table(covered), "v", table=True),
                on=exp.and_(
                    exp.EQ(this=col("os", "v"), expression=col("os", "r")),
                    exp.EQ(this=col("d", "v"), expression=col("d", "r")),
                ),
                join_type="left",
            )
            remainder = _distinct_users(exp.Is(this=col("d", "v"), expression=exp.Null()))
        # the one os of all the cell's rows, if they have one: then the every-os cell is that
        # os's cell too, and covers that os's days in larger blocks' remainders
        only_os = exp.Case().when(
            exp.EQ(
                this=exp.Count(this=exp.Distinct(expressions=[col("real_os", "r")])),
                expression=_int(1),
            ),
            exp.Min(this=col("real_os", "r")),
        )
        counted = query.select(
            *selects,
            exp.alias_(users, "users"),
            exp.alias_(remainder, "remainder"),
            exp.alias_(only_os, "only_os"),
        ).group_by(col("os", "r"), lo.copy())
        passes = exp.and_(
            exp.GTE(this=col("users"), expression=threshold.copy()),
            exp.or_(
                exp.Is(this=col("remainder"), expression=exp.Null()),
                exp.EQ(this=col("remainder"), expression=_int(0)),
                exp.GTE(this=col("remainder"), expression=threshold.copy()),
            ),
        )
        if decided:
            small = _small_atoms(statement, keyed_cte, decided, level, days, epoch, threshold)
            passes = exp.and_(
                passes,
                exp.not_(
                    exp.Exists(
                        this=exp.select(_int(1))
                        .from_(exp.alias_(exp.to_table(small), "a", table=True))
                        .where(
                            exp.EQ(this=col("os", "a"), expression=col("os", "c")),
                            exp.EQ(this=col("lo", "a"), expression=col("lo", "c")),
                        )
                    )
                ),
            )
        candidates = (
            exp.select(
                col("os"),
                exp.alias_(_int(level), "level"),
                col("lo"),
                exp.alias_(hi, "hi"),
                col("users"),
                col("remainder"),
                col("only_os"),
                exp.alias_(passes, "passes"),
            )
            .from_(counted.subquery("c"))
            .where(
                exp.LTE(
                    this=exp.Add(this=col("lo"), expression=_int(days - 1)),
                    expression=through.copy(),
                )
            )
        )
        candidates_cte = statement.add_cte(f"privacy_candidates_{level}", candidates)
        shown: exp.Query = _complete_sets(candidates_cte, len(os_values))
        if final:
            shown = _keep_stored(statement, shown, level)
        decided.append(statement.add_cte(f"privacy_level_{level}", shown))
    cells: exp.Query = exp.select(*[col(c) for c in CELL_COLUMNS]).from_(decided[0])
    for level_cte in decided[1:]:
        cells = exp.union(
            cells, exp.select(*[col(c) for c in CELL_COLUMNS]).from_(level_cte), distinct=False
        )
    return statement.add_cte(name, cells)


def _small_atoms(
    statement: Statement,
    keyed: str,
    decided: list[str],
    level: int,
    days: int,
    epoch: exp.Expr,
    threshold: exp.Expr,
) -> str:
    """(os, lo): the os cells of this level's blocks that would make a small atom. The shown
    every-os cells inside a block split it into regions (each shown cell less the shown cells
    inside it, and the block's remainder); an os cell of the block, beside them, isolates each
    region's rows of that os, so each must have no user or pass (else, say, a shown week and
    the 4-week period's Android cell would isolate the week's Android rows)."""
    parts = [
        exp.select(
            col("level", "c"), col("lo", "c"), exp.alias_(exp.cast(col("d", "g"), "date"), "d")
        )
        .from_(exp.alias_(exp.to_table(lower), "c", table=True))
        .join(_days_of("c"), join_type="cross")
        .where(col("shown", "c"), exp.EQ(this=col("os", "c"), expression=_text(ALL_OS)))
        for lower in decided
    ]
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    # each day's region: the smallest shown every-os cell holding it
    regions = (
        exp.select(col("d"), exp.alias_(col("level"), "rlevel"), exp.alias_(col("lo"), "rlo"))
        .distinct(col("d"))
        .from_(union.subquery("x"))
        .order_by(col("d"), col("level"))
    )
    regions_cte = statement.add_cte(f"privacy_regions_{level}", regions)
    block = _block_start(col("d", "r"), epoch.copy(), days)
    # a region: (level, first day) of its shown cell, or (-1, the block's first day)
    region = [
        exp.Coalesce(this=col("rlevel", "g"), expressions=[_int(-1)]),
        exp.Coalesce(this=col("rlo", "g"), expressions=[block.copy()]),
    ]
    atoms = (
        exp.select(
            col("os", "r"),
            exp.alias_(block, "lo"),
            exp.alias_(_distinct_users(), "users"),
        )
        .from_(exp.alias_(exp.to_table(keyed), "r", table=True))
        .join(
            exp.alias_(exp.to_table(regions_cte), "g", table=True),
            on=exp.EQ(this=col("d", "g"), expression=col("d", "r")),
            join_type="left",
        )
        .where(exp.NEQ(this=col("os", "r"), expression=_text(ALL_OS)))
        .group_by(col("os", "r"), block.copy(), *region)
    )
    small = (
        exp.select(col("os"), col("lo"))
        .distinct()
        .from_(atoms.subquery("t"))
        .where(exp.LT(this=col("users"), expression=threshold.copy()))
    )
    return statement.add_cte(f"privacy_small_atoms_{level}", small)


def _complete_sets(candidates: str, os_count: int) -> exp.Select:
    """Shown cells of one level: the all-os cell when it passes; an os value's cell when it
    passes and so do the all-os cell and every os value's cell of the same block."""
    all_passes = exp.Window(
        this=exp.Max(
            this=exp.Case()
            .when(exp.EQ(this=col("os"), expression=_text(ALL_OS)), exp.cast(col("passes"), "int"))
            .else_(_int(0))
        ),
        partition_by=[col("lo")],
    )
    os_passing = exp.Window(
        this=exp.Sum(
            this=exp.Case()
            .when(
                exp.and_(exp.NEQ(this=col("os"), expression=_text(ALL_OS)), col("passes")),
                _int(1),
            )
            .else_(_int(0))
        ),
        partition_by=[col("lo")],
    )
    shown = (
        exp.Case()
        .when(exp.EQ(this=col("os"), expression=_text(ALL_OS)), col("passes"))
        .else_(
            exp.and_(
                col("passes"),
                exp.EQ(this=all_passes, expression=_int(1)),
                exp.EQ(this=os_passing, expression=_int(os_count)),
            )
        )
    )
    return exp.select(
        *[col(c) for c in CELL_COLUMNS if c != "shown"], exp.alias_(shown, "shown")
    ).from_(candidates)


def _keep_stored(statement: Statement, fresh: exp.Query, level: int) -> exp.Query:
    """The level's stored decisions, and the fresh ones of blocks ending after them: every
    block ending by `stored_through` is decided, once and whole (a cell it did not have then,
    for late rows, stays hidden)."""
    new = (
        exp.select(*[col(c, "f") for c in CELL_COLUMNS])
        .from_(fresh.subquery("f"))
        .where(exp.GT(this=col("hi", "f"), expression=statement.bound("stored_through")))
    )
    kept = (
        exp.select(*[col(c, "k") for c in CELL_COLUMNS])
        .from_(exp.alias_(exp.to_table(CELLS_TABLE), "k", table=True))
        .where(
            exp.EQ(this=col("app_id", "k"), expression=statement.app()),
            exp.EQ(this=col("level", "k"), expression=_int(level)),
        )
    )
    return exp.union(new, kept, distinct=False)


def _covered_days(levels: list[str]) -> exp.Query:
    """(os, d) for every day that a shown cell of these levels holds, for its os key; and for
    an os, the days of shown every-os cells whose rows are all of that os (subtracting such a
    cell from the os's larger cell would leave what it does not cover)."""
    parts: list[exp.Select] = []
    for level in levels:
        day = exp.alias_(exp.cast(col("d", "g"), "date"), "d")
        cells = exp.alias_(exp.to_table(level), "c", table=True)
        parts.append(
            exp.select(col("os", "c"), day)
            .from_(cells)
            .join(_days_of("c"), join_type="cross")
            .where(col("shown", "c"))
        )
        parts.append(
            exp.select(exp.alias_(col("only_os", "c"), "os"), day.copy())
            .from_(cells.copy())
            .join(_days_of("c"), join_type="cross")
            .where(
                col("shown", "c"),
                exp.EQ(this=col("os", "c"), expression=_text(ALL_OS)),
                exp.not_(exp.Is(this=col("only_os", "c"), expression=exp.Null())),
            )
        )
    query: exp.Query = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=True)
    return query


def _days_of(cell: str) -> exp.Expr:
    """LATERAL generate_series(cell.lo, cell.hi, 1 day) AS g(d)"""
    series = exp.func(
        "generate_series",
        exp.cast(col("lo", cell), "timestamp"),
        exp.cast(col("hi", cell), "timestamp"),
        exp.Interval(this=_text("1"), unit=exp.var("DAY")),
    )
    return exp.Lateral(
        this=exp.Table(
            this=series,
            alias=exp.TableAlias(this=exp.to_identifier("g"), columns=[exp.to_identifier("d")]),
        )
    )


def days_query(cells: exp.Expr) -> exp.Select:
    """(os, day, clo, chi) from cells (os, level, lo, hi, shown): for each day a shown cell
    holds, per os key, the smallest shown cell holding it."""
    return (
        exp.select(
            col("os", "c"),
            exp.alias_(exp.cast(col("d", "g"), "date"), "day"),
            exp.alias_(col("lo", "c"), "clo"),
            exp.alias_(col("hi", "c"), "chi"),
        )
        .distinct(col("os", "c"), exp.cast(col("d", "g"), "date"))
        .from_(cells)
        .join(_days_of("c"), join_type="cross")
        .where(col("shown", "c"))
        .order_by(col("os", "c"), exp.cast(col("d", "g"), "date"), col("level", "c"))
    )


def compile_decisions(
    model: SemanticModel,
    *,
    app_id: str,
    kind: AppKind,
    reporting_day: dt.date,
    late_days: int,
    stored_through: dt.date | None = None,
    engine: Engine = Engine.POSTGRES,
) -> CompiledQuery:
    """The statement deciding every complete cell of an app (columns `CELL_COLUMNS`); with
    `stored_through`, the last day of the blocks whose decisions are stored, keeping those and
    deciding only the blocks ending later (see `add_decisions`), for the refresh to store."""
    day = DateRange(start=reporting_day, end=reporting_day)
    scope = Scope(
        app_id=app_id,
        kind=kind,
        module="",
        range=day,
        reporting_day=reporting_day,
        late_days=late_days,
        engine=engine,
    )
    statement = Statement(model=model, scope=scope)
    statement.set_bound("decided_through", reporting_day - dt.timedelta(days=late_days))
    if stored_through is not None:
        privacy = model.config.privacy
        after = stored_through + dt.timedelta(days=1)
        start = block_start(after, epoch=privacy.epoch, days=privacy.blocks[-1])
        statement.set_bound("stored_through", stored_through)
        statement.set_bound("decided_from", start)
    cells = add_decisions(statement, final=stored_through is not None)
    query = statement.with_ctes(
        exp.select(*[col(c) for c in CELL_COLUMNS])
        .from_(cells)
        .order_by(col("level"), col("lo"), col("os"))
    )
    return CompiledQuery(
        sql=render(query, engine=scope.engine),
        params=tuple(statement.params.values),
        columns=CELL_COLUMNS,
    )


def stored_days_sql(*, engine: Engine = Engine.POSTGRES) -> str:
    """INSERT the `privacy_days` of app $1 from its stored cells (after deleting the old)."""
    cells = (
        exp.select(col("os"), col("level"), col("lo"), col("hi"), col("shown"))
        .from_(CELLS_TABLE)
        .where(
            exp.EQ(
                this=col("app_id"),
                expression=exp.cast(exp.Parameter(this=exp.Literal.number(1)), "text"),
            ),
            col("shown"),
        )
        .subquery("c")
    )
    days = days_query(cells).select(
        exp.alias_(exp.cast(exp.Parameter(this=exp.Literal.number(1)), "text"), "app_id")
    )
    insert = exp.insert(days, DAYS_TABLE, columns=["os", "day", "clo", "chi", "app_id"])
    return render(insert, engine=engine)
