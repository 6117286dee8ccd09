"""How answers keep protected-region rows only from shown privacy cells.

An answer over [lo, hi] keeps a protected row of day d only when the smallest shown cell of its
os key holding d lies wholly inside [lo, hi]; `privacy_days` gives that cell per (os key, day),
from the table the refresh stores when the scope says it is current, and otherwise decided in
the statement by the same query (`semantic.privacy_cells`). An answer's os key is `*` (cells of
every os) unless it is filtered by an os, or broken down by os (each row its own os).
"""

from __future__ import annotations

from sqlglot import exp

from semantic.model import Source
from semantic.privacy_cells import (
    ALL_OS,
    DAYS_TABLE,
    add_decisions,
    days_query,
    protected_array,
)
from semantic.relations import Statement
from semantic.sqlparts import col

DAYS_CTE = "privacy_days"


def _text(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def applies(statement: Statement) -> bool:
    return statement.scope.privacy and bool(statement.model.config.privacy.protected_regions)


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
    # read per grain day and per row: computed once (decided in the statement, it is costly)
    return statement.add_cte(DAYS_CTE, query, materialized=True)


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


