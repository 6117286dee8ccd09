"""The ClickHouse rendering of the compilers' PostgreSQL-shaped statements: each rewrite's text,
and what ClickHouse (chdb, in process) answers for it against what PostgreSQL answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlglot

from gateway.storage.clickhouse.client import ClickHouseClient, connect
from gateway.storage.clickhouse.statements import named
from semantic.engines import Engine, render
from semantic.engines.clickhouse import SETTINGS


def clickhouse(sql: str) -> str:
    return render(sqlglot.parse_one(sql, read="postgres"), engine=Engine.CLICKHOUSE)


def test_bind_parameters_become_typed_query_parameters() -> None:
    assert clickhouse("SELECT CAST($1 AS DATE) + 1") == "SELECT {p1: Nullable(DATE)} + 1"
    assert "{p2: Array(Nullable(String))}" in clickhouse("SELECT x = ANY(CAST($2 AS TEXT[]))")


def test_stored_tables_are_read_final_and_ctes_are_not() -> None:
    text = clickhouse(
        "WITH c AS (SELECT * FROM launches) SELECT * FROM c JOIN orders AS o ON 1 = 1"
    )
    assert "FROM launches FINAL" in text
    assert "JOIN orders AS o FINAL" in text
    assert "FROM c " in text and "c FINAL" not in text
    assert "c AS MATERIALIZED" in text


def test_series_distinct_on_percentile_and_bool_or_rewrites() -> None:
    series = clickhouse("SELECT i FROM generate_series(0, 3) AS s(i)")
    assert "arrayJoin(range(toInt64(0), toInt64(3) + 1)) AS i" in series
    lateral = clickhouse(
        "SELECT CAST(g.d AS DATE) FROM t AS c CROSS JOIN LATERAL generate_series("
        "CAST(c.lo AS TIMESTAMP), CAST(c.hi AS TIMESTAMP), INTERVAL '1 day') AS g(d)"
    )
    assert "ARRAY JOIN arrayMap(minis_k -> c.lo + minis_k" in lateral
    assert "g.d" not in lateral and "g__d" in lateral
    first = clickhouse("SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b")
    assert first.endswith("ORDER BY a, b LIMIT 1 BY a")
    median = clickhouse("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t")
    assert "quantileExactInclusive(0.5)(x)" in median
    assert "MAX(x)" in clickhouse("SELECT bool_or(x) FROM t")
    assert "lagInFrame(toNullable(x), 1)" in clickhouse("SELECT lag(x) OVER (ORDER BY y) FROM t")


# (PostgreSQL text, what it answers) — ClickHouse must answer the same for the rewrite
SAME_ANSWERS = [
    (
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS v"
        " FROM (VALUES (1), (2), (3), (10)) AS t(x)",
        2.5,
    ),
    (
        "SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY x) AS v"
        " FROM (VALUES (1), (2), (3), (10)) AS t(x)",
        7.9,
    ),
    (
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS v"
        " FROM (VALUES (1)) AS t(x) WHERE x > 5",
        None,
    ),
    ("SELECT sum(x) AS v FROM (VALUES (1)) AS t(x) WHERE x > 5", None),
    ("SELECT count(*) AS v FROM (VALUES (1)) AS t(x) WHERE x > 5", 0),
    (
        "SELECT v FROM (SELECT x, lag(x) OVER (ORDER BY x) AS v"
        " FROM (VALUES (4), (5)) AS t(x)) AS w"
        " ORDER BY x LIMIT 1",
        None,
    ),
    (
        "SELECT count(*) AS v FROM generate_series(0, CAST($1 AS DATE) - CAST($2 AS DATE)) AS s(i)",
        30,
    ),
    (
        "SELECT CAST(CAST('2026-03-01 23:30:00+00' AS TIMESTAMPTZ)"
        " AT TIME ZONE 'UTC' AS DATE) AS v",
        dt.date(2026, 3, 1),
    ),
    (
        "SELECT b AS v FROM (SELECT DISTINCT ON (a) a, b"
        " FROM (VALUES (1, 3), (1, 2), (2, 9)) AS t(a, b)"
        " ORDER BY a, b) AS f ORDER BY a LIMIT 1",
        2,
    ),
    (
        "SELECT max(v) AS v FROM (SELECT x, 'k' AS x2, coalesce(x, 'none') AS v"
        " FROM (VALUES ('real')) AS t(x)) AS a",
        "real",
    ),
]
PARAMS = (dt.date(2026, 10, 30), dt.date(2026, 10, 1))


@pytest.fixture(scope="module")
async def chdb_client() -> AsyncIterator[ClickHouseClient]:
    client = await connect("chdb://")
    try:
        yield client
    finally:
        await client.close()


@pytest.mark.parametrize(("sql", "expected"), SAME_ANSWERS)
async def test_clickhouse_answers_as_postgresql(
    sql: str, expected: object, db: asyncpg.Connection, chdb_client: ClickHouseClient
) -> None:
    params = PARAMS if "$1" in sql else ()
    rows = await chdb_client.query(clickhouse(sql), named(params), settings=SETTINGS)
    for value in (await db.fetchval(sql, *params), rows[0]["v"]):
        assert value == (pytest.approx(expected) if isinstance(expected, float) else expected)
