"""The privacy rule's cells, and how answers keep protected rows only from shown cells.

A cell is (app, calendar block, os value or `*` for all). Blocks are the model's calendar
(`Privacy.blocks` days from `Privacy.epoch`: UTC days, ISO weeks, 4- and 12-week periods), each
lying wholly inside one block of the level above. Cells are decided bottom up, once their block
is complete (ends on or before the `decided_through` bound, the reporting day less the late-data
window):

- a cell *passes* with at least `threshold` distinct protected-region users with a session;
- a day is shown when it passes; a larger block when it passes and its remainder (its protected
  rows on days no shown lower cell of the same os slice covers) has no user or passes itself;
- per-os cells of a block are shown only as a complete set: every os value's cell shown so far
  and the all-os cell shown.

An answer over [lo, hi] keeps a protected row of day d only when the smallest shown cell of its
os key holding d lies wholly inside [lo, hi]; `privacy_days` gives that cell per (os key, day).
The decisions come from the table the refresh stores (`minis_privacy_days`) when the scope says
they are current, and are otherwise computed in the statement by the same query.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from semantic.model import AppKind, SemanticModel, Source
from semantic.query import CompiledQuery, DateRange, Scope
from semantic.relations import DAY, Statement
from semantic.sqlparts import col, render

ALL_OS = "*"  # the os key of cells of every os
CELLS_TABLE = "minis_privacy_cells"
DAYS_TABLE = "minis_privacy_days"
DAYS_CTE = "privacy_days"
# a decided cell; `only_os`: the one os of all its rows, if they have one
CELL_COLUMNS = ("os", "level", "lo", "hi", "users", "remainder", "only_os", "shown")


def applies(statement: Statement) -> bool:
    return statement.scope.privacy and bool(statement.model.config.privacy.protected_regions)


def protected_array(statement: Statement) -> exp.Expr:
    regions = list(statement.model.config.privacy.protected_regions)
    return statement.params.named("protected", regions, "text[]")


def _text(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def _int(value: int) -> exp.Expr:
    return exp.Literal.number(value)


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
    rows = statement.rows(source.name, lo=None, hi="decided_through", filtered=False)
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
        only_os = (
            exp.Case()
            .when(
                exp.EQ(
                    this=exp.Count(this=exp.Distinct(expressions=[col("real_os", "r")])),
                    expression=_int(1),
                ),
                exp.Min(this=col("real_os", "r")),
            )
        )
        counted = (
            query.select(
                *selects,
                exp.alias_(users, "users"),
                exp.alias_(remainder, "remainder"),
                exp.alias_(only_os, "only_os"),
            )
            .group_by(col("os", "r"), lo.copy())
        )
        passes = exp.and_(
            exp.GTE(this=col("users"), expression=threshold.copy()),
            exp.or_(
                exp.Is(this=col("remainder"), expression=exp.Null()),
                exp.EQ(this=col("remainder"), expression=_int(0)),
                exp.GTE(this=col("remainder"), expression=threshold.copy()),
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
    """The level's stored decisions, and the fresh ones of blocks with none stored (a block
    is decided whole, once: no cell is added to a decided block, even for late rows)."""
    def stored(alias: str) -> list[exp.Expr]:
        return [
            exp.EQ(this=col("app_id", alias), expression=statement.app()),
            exp.EQ(this=col("level", alias), expression=_int(level)),
        ]

    decided = exp.Exists(
        this=exp.select(_int(1))
        .from_(exp.alias_(exp.to_table(CELLS_TABLE), "s", table=True))
        .where(*stored("s"), exp.EQ(this=col("lo", "s"), expression=col("lo", "f")))
    )
    new = (
        exp.select(*[col(c, "f") for c in CELL_COLUMNS])
        .from_(fresh.subquery("f"))
        .where(exp.not_(decided))
    )
    kept = (
        exp.select(*[col(c, "k") for c in CELL_COLUMNS])
        .from_(exp.alias_(exp.to_table(CELLS_TABLE), "k", table=True))
        .where(*stored("k"))
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


def add_privacy_days(statement: Statement) -> str:
    """The `privacy_days` CTE: (os, day, clo, chi) of the app, from the stored decisions when
    the scope says they are current, else decided in the statement."""
    if DAYS_CTE in statement.ctes:
        return DAYS_CTE
    if statement.scope.cells_stored:
        query = (
            exp.select(col("os"), col("day"), col("clo"), col("chi"))
            .from_(DAYS_TABLE)
            .where(exp.EQ(this=col("app_id"), expression=statement.app()))
        )
    else:
        cells = add_decisions(statement)
        query = days_query(exp.alias_(exp.to_table(cells), "c", table=True))
    return statement.add_cte(DAYS_CTE, query)


def os_key(statement: Statement, source: Source, alias: str, *, breakdown: str | None) -> exp.Expr:
    """Whose cells judge a row: the row's own os for an answer broken down by os, the filter's
    os for an answer filtered by one, else `*` (every os)."""
    os = statement.model.config.privacy.os_dimension.name
    if breakdown == os:
        return statement.dimension_expression(source, os, alias)
    return answer_key(statement)


def answer_key(statement: Statement, *, os_row: exp.Expr | None = None) -> exp.Expr:
    """The os key of an answer (or of its breakdown row `os_row`, when broken down by os)."""
    if os_row is not None:
        return os_row
    os = statement.model.config.privacy.os_dimension.name
    for name, value in statement.scope.filters.items():
        definition = statement.model.filters.get(name)
        dimension = definition.dimension if definition is not None else None
        if dimension is not None and dimension.name == os and isinstance(value, str):
            return statement.params.named(f"filter:{os}", value, "text")
    return _text(ALL_OS)


def is_protected(statement: Statement, source: Source, alias: str) -> exp.Expr | None:
    """`region = ANY(protected)` for rows of `source`, or None when it has no region."""
    region = statement.model.config.privacy.region_dimension.name
    if region not in statement.dimensions_of(source):
        return None
    column = statement.dimension_expression(source, region, alias)
    return exp.EQ(this=column, expression=exp.Any(this=exp.Paren(this=protected_array(statement))))


def kept(protected: exp.Expr | None, covered: exp.Expr) -> list[exp.Expr]:
    """[NOT protected OR covered]: a row of an unprotected region, or of a covered day."""
    if protected is None:
        return []
    return [exp.Paren(this=exp.or_(exp.not_(protected), covered))]


def shown_in(key: exp.Expr, shown: exp.Expr) -> exp.Expr:
    """`key = ANY(shown)`: the day's cells of `key` lie inside the grain (see grain_days)."""
    return exp.EQ(this=key, expression=exp.Any(this=exp.Paren(this=shown)))


def covered_within(
    statement: Statement, key: exp.Expr, day: exp.Expr, lo: exp.Expr | None, hi: exp.Expr
) -> exp.Expr:
    """EXISTS a shown cell of `key` holding `day` and lying inside [lo, hi] (lo None: no
    start)."""
    days = add_privacy_days(statement)
    conditions: list[exp.Expr] = [
        exp.EQ(this=col("os", "p"), expression=key),
        exp.EQ(this=col("day", "p"), expression=day),
        exp.LTE(this=col("chi", "p"), expression=hi),
    ]
    if lo is not None:
        conditions.append(exp.GTE(this=col("clo", "p"), expression=lo))
    return exp.Exists(
        this=exp.select(exp.Literal.number(1))
        .from_(exp.alias_(exp.to_table(days), "p", table=True))
        .where(exp.and_(*conditions))
    )


def compile_decisions(
    model: SemanticModel,
    *,
    app_id: str,
    kind: AppKind,
    reporting_day: dt.date,
    late_days: int,
    final: bool = False,
) -> CompiledQuery:
    """The statement deciding every complete cell of an app (columns `CELL_COLUMNS`); with
    `final`, keeping the decisions stored (see `add_decisions`), for the refresh to store."""
    day = DateRange(start=reporting_day, end=reporting_day)
    scope = Scope(
        app_id=app_id,
        kind=kind,
        module="",
        range=day,
        reporting_day=reporting_day,
        late_days=late_days,
    )
    statement = Statement(model=model, scope=scope)
    statement.set_bound("decided_through", reporting_day - dt.timedelta(days=late_days))
    cells = add_decisions(statement, final=final)
    query = statement.with_ctes(
        exp.select(*[col(c) for c in CELL_COLUMNS])
        .from_(cells)
        .order_by(col("level"), col("lo"), col("os"))
    )
    return CompiledQuery(
        sql=render(query), params=tuple(statement.params.values), columns=CELL_COLUMNS
    )


def stored_days_sql() -> str:
    """INSERT the `privacy_days` of app $1 from its stored cells (after deleting the old)."""
    cells = (
        exp.select(col("os"), col("level"), col("lo"), col("hi"), col("shown"))
        .from_(CELLS_TABLE)
        .where(
            exp.EQ(
                this=col("app_id"), expression=exp.Parameter(this=exp.Literal.number(1))
            ),
            col("shown"),
        )
        .subquery("c")
    )
    days = days_query(cells).select(
        exp.alias_(exp.Parameter(this=exp.Literal.number(1)), "app_id")
    )
    insert = exp.insert(days, DAYS_TABLE, columns=["os", "day", "clo", "chi", "app_id"])
    return render(insert)
