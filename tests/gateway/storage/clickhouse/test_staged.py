"""Statements run in stages on ClickHouse (chdb): the same rows as the one statement, each
materialized CTE a table of its own for the run, dropped afterwards."""

from __future__ import annotations

import pytest

from gateway.storage.clickhouse.base import ClickHouseError
from gateway.storage.clickhouse.client import EmbeddedClient
from gateway.storage.clickhouse.staged import fetch_staged, stages
from gateway.storage.clickhouse.statements import fetch
from semantic.query import CompiledQuery

SQL = (
    "WITH a AS MATERIALIZED (SELECT number AS n FROM numbers(10) WHERE number < {p1:Int64}),"
    " b AS (SELECT n FROM a WHERE n % 2 = 0),"
    " c AS MATERIALIZED (SELECT a.n AS n, a.n * {p2:Int64} AS m FROM a JOIN b ON b.n = a.n)"
    " SELECT n, m FROM c ORDER BY n"
)


def test_materialized_ctes_become_tables_and_inline_ones_go_along() -> None:
    created, final = stages(SQL, prefix="t_")
    assert [table for table, _ in created] == ["t_a", "t_c"]
    first, second = (statement for _, statement in created)
    assert first.startswith("CREATE TABLE `t_a` ENGINE = Memory AS SELECT number AS n")
    # c reads the inline b, which reads a's table (still called a inside)
    assert second.startswith("CREATE TABLE `t_c` ENGINE = Memory AS WITH b AS (")
    assert "FROM t_a AS a WHERE" in second and "JOIN b ON" in second
    # b may be read by the final statement too, so it goes along
    assert (
        final
        == "WITH b AS (SELECT n FROM t_a AS a WHERE n % 2 = 0) SELECT n, m FROM t_c AS c ORDER BY n"
    )
    assert stages("SELECT 1", prefix="t_") == ([], "SELECT 1")


async def test_the_stages_answer_what_the_statement_answers(embedded: EmbeddedClient) -> None:
    compiled = CompiledQuery(sql=SQL, params=(4, 10))
    expected = [{"n": n, "m": n * 10} for n in (0, 2)]
    assert await fetch(embedded, compiled) == expected
    assert await fetch_staged(embedded, compiled) == expected
    assert await _stage_tables(embedded) == []


async def test_a_failing_stage_leaves_no_table(embedded: EmbeddedClient) -> None:
    failing = SQL.replace("SELECT n, m FROM c", "SELECT n, throwIf(m > 0) FROM c")
    with pytest.raises(ClickHouseError):
        await fetch_staged(embedded, CompiledQuery(sql=failing, params=(4, 10)))
    assert await _stage_tables(embedded) == []


async def _stage_tables(client: EmbeddedClient) -> list[str]:
    rows = await client.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase()"
        " AND startsWith(name, 'minis_stage_')"
    )
    return [row["name"] for row in rows]
