"""PostgreSQL: the statement tree is already in its terms; bind parameters are `$n`."""

from __future__ import annotations

from sqlglot import exp

DIALECT = "postgres"


def render(query: exp.Expr, *, pretty: bool = False) -> str:
    return query.sql(dialect=DIALECT, pretty=pretty)
