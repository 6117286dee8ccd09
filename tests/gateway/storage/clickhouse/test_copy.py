"""Copying the event tables from PostgreSQL to ClickHouse (chdb): counts worked out by hand,
every value as PostgreSQL holds it, and a second copy that changes nothing under FINAL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from gateway.storage.clickhouse.client import EmbeddedClient
from gateway.storage.clickhouse.copy import EVENT_TABLES, copy_events, pull_events
from tests.gateway.storage.clickhouse.events import DATA, EXPECTED, EXPECTED_G1
from tests.semantic import world


@pytest.fixture
async def pg(db: asyncpg.Connection) -> asyncpg.Connection:
    """The test's PostgreSQL database holding DATA."""
    for table, (columns, rows) in DATA.items():
        marks = ", ".join(f"${i + 1}" for i in range(len(rows[0])))
        await db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    return db


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: tuple(str(value) for value in row.values()))


async def _contents(pg: asyncpg.Connection, ch: EmbeddedClient, table: str) -> tuple[Any, Any]:
    """(PostgreSQL's rows, ClickHouse's rows read with FINAL) of `table`, in one order."""
    pg_rows = [dict(record) for record in await pg.fetch(f"SELECT * FROM {table}")]
    ch_rows = await ch.query(f"SELECT * FROM {table} FINAL")
    return _sorted(pg_rows), _sorted(ch_rows)


async def _holds_postgresqls_rows(pg: asyncpg.Connection, ch: EmbeddedClient) -> None:
    """ClickHouse holds PostgreSQL's rows (read with FINAL), table by table."""
    for table in EVENT_TABLES:
        pg_rows, ch_rows = await _contents(pg, ch, table)
        assert ch_rows == pg_rows, table


async def _final_counts(ch: EmbeddedClient) -> dict[str, int]:
    counts = {}
    for table in EVENT_TABLES:
        rows = await ch.query(f"SELECT count() AS n FROM {table} FINAL")
        counts[table] = rows[0]["n"]
    return counts


async def test_copy_copies_every_row_and_value(
    pg: asyncpg.Connection, migrated: EmbeddedClient
) -> None:
    assert await copy_events(pg, migrated) == EXPECTED
    assert await _final_counts(migrated) == EXPECTED
    await _holds_postgresqls_rows(pg, migrated)


async def test_copying_twice_changes_nothing_under_final(
    pg: asyncpg.Connection, migrated: EmbeddedClient
) -> None:
    assert await copy_events(pg, migrated) == EXPECTED
    assert await copy_events(pg, migrated, batch_rows=2) == EXPECTED  # the same rows again
    assert await _final_counts(migrated) == EXPECTED
    plain = await migrated.query("SELECT count() AS n FROM launches")
    assert plain[0]["n"] in (4, 8)  # the copies are there until merges drop them
    await _holds_postgresqls_rows(pg, migrated)


async def test_copy_of_some_apps_in_small_batches(
    pg: asyncpg.Connection, migrated: EmbeddedClient
) -> None:
    assert await copy_events(pg, migrated, app_ids=["g1"], batch_rows=1) == EXPECTED_G1
    assert await _final_counts(migrated) == EXPECTED_G1
    apps = await migrated.query("SELECT app_id FROM apps FINAL")
    assert apps == [{"app_id": "g1"}]
    # the rest later: the tables hold all, once
    await copy_events(pg, migrated, app_ids=["g1", "d1", "g0"])
    assert await _final_counts(migrated) == EXPECTED


async def test_copy_of_some_tables_inside_the_callers_transaction(
    pg: asyncpg.Connection, migrated: EmbeddedClient
) -> None:
    async with pg.transaction():
        await pg.execute("DELETE FROM orders WHERE order_id = 'o2'")  # seen by the copy
        copied = await copy_events(pg, migrated, tables=["orders", "apps"])
    assert copied == {"orders": 1, "apps": 3}


async def test_copy_refuses_what_it_cannot_copy_faithfully(
    pg: asyncpg.Connection, migrated: EmbeddedClient
) -> None:
    with pytest.raises(ValueError, match="event tables"):
        await copy_events(pg, migrated, tables=["minis_migrations"])
    with pytest.raises(ValueError):
        await copy_events(pg, migrated, batch_rows=0)
    await migrated.command("ALTER TABLE orders ADD COLUMN coupon String")
    with pytest.raises(ValueError, match=r"only in ClickHouse \['coupon'\]"):
        await copy_events(pg, migrated, tables=["orders"])
    assert await migrated.query("SELECT count() AS n FROM orders") == [{"n": 0}]


async def test_copy_of_the_hand_built_world(
    db: asyncpg.Connection, migrated: EmbeddedClient
) -> None:
    """The world of tests/semantic/world.py arrives whole: ClickHouse holds what PostgreSQL
    holds, table by table."""
    await world.build(db)
    copied = await copy_events(db, migrated, batch_rows=5)
    assert copied == {
        table: await db.fetchval(f"SELECT count(*) FROM {table}") for table in EVENT_TABLES
    }
    await _holds_postgresqls_rows(db, migrated)


async def test_clickhouse_pulls_the_same_rows_itself(
    pg: asyncpg.Connection, migrated: EmbeddedClient, database_url: str
) -> None:
    if not urlsplit(database_url).hostname:
        pytest.skip("the test PostgreSQL is reached by a socket; ClickHouse pulls over TCP")
    assert await pull_events(migrated, postgres_url=database_url) == EXPECTED
    await _holds_postgresqls_rows(pg, migrated)
    with pytest.raises(ValueError, match="postgresql://"):
        await pull_events(migrated, postgres_url="chdb://")
