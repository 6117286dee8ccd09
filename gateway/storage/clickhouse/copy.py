"""Copy the event tables' rows from PostgreSQL to ClickHouse.

The rows go through this process in batches. Where the ClickHouse server reaches the
PostgreSQL server itself, it can also pull them with its `postgresql()` table function,
with no batch passing through here, e.g.

    INSERT INTO launches
    SELECT * FROM postgresql('pg-host:5432', 'minis', 'launches', 'user', 'password')

(the same column names, and values ClickHouse casts to the column types).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import asyncpg

from gateway.loading.catalog import EVENT_TABLES  # those of sql/0001_event_tables.sql
from gateway.storage.clickhouse.base import ClickHouseClient

__all__ = ["EVENT_TABLES", "copy_events"]


def _pg_quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def _pg_columns(pg: asyncpg.Connection, table: str) -> list[str]:
    rows = await pg.fetch(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    return [row["column_name"] for row in rows]


async def _clickhouse_columns(client: ClickHouseClient, table: str) -> list[str]:
    rows = await client.query(
        "SELECT name FROM system.columns WHERE database = currentDatabase()"
        " AND table = {table:String}"
        " AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position",
        {"table": table},
    )
    return [row["name"] for row in rows]


async def _columns(pg: asyncpg.Connection, client: ClickHouseClient, table: str) -> list[str]:
    """The columns to copy: ClickHouse's, each of which PostgreSQL must have, and which
    must hold all of PostgreSQL's (a copy drops no column)."""
    pg_columns, ch_columns = await _pg_columns(pg, table), await _clickhouse_columns(client, table)
    if not pg_columns or not ch_columns:
        where = "PostgreSQL" if not pg_columns else "ClickHouse"
        raise ValueError(f"{table}: no such table in {where} (migrate both first)")
    only_pg, only_ch = set(pg_columns) - set(ch_columns), set(ch_columns) - set(pg_columns)
    if only_pg or only_ch:
        raise ValueError(
            f"{table}: the columns differ: only in PostgreSQL {sorted(only_pg)},"
            f" only in ClickHouse {sorted(only_ch)}"
        )
    return ch_columns


async def copy_events(
    pg: asyncpg.Connection,
    client: ClickHouseClient,
    *,
    tables: Sequence[str] = EVENT_TABLES,
    app_ids: Sequence[str] | None = None,
    batch_rows: int = 100_000,
) -> dict[str, int]:
    """Copy the rows of `tables` (event tables, of `app_ids` only when given) from the
    PostgreSQL connection `pg` to the ClickHouse database of `client`, columns matched by
    name; return the rows copied per table.

    Each table is read through a server-side cursor, `batch_rows` rows at a time, each
    batch one insert, so no table is ever held whole in memory. All tables are read from
    one snapshot (a read-only repeatable-read transaction, or the caller's transaction when
    `pg` is in one). Copying again re-sends the same rows: ClickHouse's ReplacingMergeTree
    keeps one row per key, so a read with FINAL sees each row once. A table whose columns
    differ between the two databases raises ValueError before anything of it is copied.
    """
    unknown = [table for table in tables if table not in EVENT_TABLES]
    if unknown or batch_rows < 1:
        raise ValueError(f"copy_events copies event tables {EVENT_TABLES} in batches: {unknown}")
    if pg.is_in_transaction():
        return await _copy(pg, client, tables, app_ids, batch_rows)
    async with pg.transaction(isolation="repeatable_read", readonly=True):
        return await _copy(pg, client, tables, app_ids, batch_rows)


async def _copy(
    pg: asyncpg.Connection,
    client: ClickHouseClient,
    tables: Sequence[str],
    app_ids: Sequence[str] | None,
    batch_rows: int,
) -> dict[str, int]:
    copied: dict[str, int] = {}
    for table in tables:
        columns = await _columns(pg, client, table)
        sql = f"SELECT {', '.join(map(_pg_quote, columns))} FROM {_pg_quote(table)}"
        args: list[object] = []
        if app_ids is not None:
            sql += " WHERE app_id = ANY($1::text[])"
            args.append(list(app_ids))
        cursor = await pg.cursor(sql, *args)
        copied[table] = 0
        while batch := await cursor.fetch(batch_rows):
            await client.insert(table, [tuple(record) for record in batch], columns=columns)
            copied[table] += len(batch)
    return copied


async def pull_events(
    client: ClickHouseClient,
    *,
    postgres_url: str,
    tables: Sequence[str] = EVENT_TABLES,
) -> dict[str, int]:
    """Have ClickHouse read `tables` from the PostgreSQL server of `postgres_url` itself,
    with its `postgresql()` table function (the server must reach PostgreSQL over TCP); the
    rows pass through no batch here. Return the rows of each table in ClickHouse after it.
    The server's address and credentials go as query parameters, never into the text."""
    parts = urlsplit(postgres_url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
        raise ValueError("pull_events needs a postgresql://host[:port]/database URL")
    params = {
        "address": f"{parts.hostname}:{parts.port or 5432}",
        "database": parts.path.lstrip("/") or "postgres",
        "user": parts.username or "postgres",
        "password": parts.password or "",
    }
    counts: dict[str, int] = {}
    for table in tables:
        if table not in EVENT_TABLES:
            raise ValueError(f"pull_events copies event tables {EVENT_TABLES}: {table}")
        await client.command(
            f"INSERT INTO {table} SELECT * FROM postgresql({{address:String}}, "
            f"{{database:String}}, {{table:String}}, {{user:String}}, {{password:String}})",
            {**params, "table": table},
        )
        rows = await client.query(f"SELECT count() AS n FROM {table} FINAL")
        counts[table] = int(rows[0]["n"])
    return counts
