"""Long statements run on ClickHouse in stages: each materialized CTE stored first in a
table of its own, then the statement over those tables.

ClickHouse analyzes a CTE's query once for every reference to it, so a statement whose CTEs
refer to each other level after level (the privacy decisions: each level of the calendar
reads the levels below it several times) spends seconds in analysis alone, even over no rows.
Stored one at a time, each stage is analyzed once. The stage tables (ENGINE = Memory, named
for this run) are dropped at the end, also when a stage fails. CTEs that stay inline (those
holding correlated subqueries) go with every stage that may read them.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlglot
from sqlglot import exp

from gateway.storage.clickhouse.base import ClickHouseClient, placeholders, quote_identifier
from gateway.storage.clickhouse.statements import named
from semantic.engines.clickhouse import SETTINGS
from semantic.query import CompiledQuery


def stages(sql: str, *, prefix: str) -> tuple[list[tuple[str, str]], str]:
    """`sql` split into ([(table, CREATE statement)] for each materialized CTE, in order,
    and the final statement), every reference to a materialized CTE renamed to its table."""
    tree = sqlglot.parse_one(sql, read="clickhouse")
    with_ = tree.args.get("with_")
    if with_ is None:
        return [], sql
    ctes: list[exp.CTE] = list(with_.expressions)
    tables = {cte.alias: f"{prefix}{cte.alias}" for cte in ctes if cte.args.get("materialized")}

    def renamed(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in tables:
            # the CTE's name stays the alias, for columns qualified by it
            alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name))
            return exp.Table(this=exp.to_identifier(tables[node.name]), alias=alias)
        return node

    created: list[tuple[str, str]] = []
    inline: list[exp.CTE] = []
    for cte in ctes:
        body = cte.this.transform(renamed)
        if cte.alias not in tables:
            inline.append(exp.CTE(this=body, alias=exp.to_identifier(cte.alias)))
            continue
        if inline:
            body = _with(body, inline)
        text = body.sql(dialect="clickhouse")
        table = tables[cte.alias]
        created.append((table, f"CREATE TABLE {quote_identifier(table)} ENGINE = Memory AS {text}"))
    final = tree.copy()
    final.set("with_", None)
    final = final.transform(renamed)
    if inline:
        final = _with(final, inline)
    return created, final.sql(dialect="clickhouse")


def _with(query: exp.Expr, ctes: list[exp.CTE]) -> exp.Expr:
    if not isinstance(query, exp.Query):
        return query
    copy = query.copy()
    existing = copy.args.get("with_")
    copy.set(
        "with_",
        exp.With(expressions=[c.copy() for c in ctes] + (existing.expressions if existing else [])),
    )
    return copy


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    wanted = placeholders(sql)
    return {name: value for name, value in params.items() if name in wanted}


async def fetch_staged(client: ClickHouseClient, compiled: CompiledQuery) -> list[dict[str, Any]]:
    """The rows of one compiled statement, run in stages (see the module's text)."""
    params = named(compiled.params)
    created, final = stages(compiled.sql, prefix=f"minis_stage_{uuid.uuid4().hex[:12]}_")
    made: list[str] = []
    try:
        for table, statement in created:
            await client.command(statement, _used(statement, params), settings=SETTINGS)
            made.append(table)
        return await client.query(final, _used(final, params), settings=SETTINGS)
    finally:
        for table in made:
            await client.command(f"DROP TABLE IF EXISTS {quote_identifier(table)}")
