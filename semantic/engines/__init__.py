"""The SQL engines a compiled statement can target.

The compilers build one statement tree in PostgreSQL's terms (the reference engine); each
engine module turns that tree into its own SQL at the very end (`render`). The engine-specific
pieces live in one small module per engine: `semantic.engines.postgres`,
`semantic.engines.clickhouse`.
"""

from __future__ import annotations

from enum import StrEnum

from sqlglot import exp


class Engine(StrEnum):
    POSTGRES = "postgres"
    CLICKHOUSE = "clickhouse"


def render(query: exp.Expr, *, engine: Engine = Engine.POSTGRES, pretty: bool = False) -> str:
    """The SQL text of `query` for `engine` (bind parameters stay parameters)."""
    if engine is Engine.CLICKHOUSE:
        from semantic.engines import clickhouse

        return clickhouse.render(query, pretty=pretty)
    from semantic.engines import postgres

    return postgres.render(query, pretty=pretty)
