"""`minis load` into ClickHouse: validated batches written to a staging table of the load's
own, moved into the event table only once every row of every file has passed.

The rows are checked by the loader exactly as for PostgreSQL (`gateway.loading`); this is the
writer it hands them to. A row whose key is stored already, or came earlier in the load, is
skipped and counted as PostgreSQL's writer does, so the two engines report the same loads.

ClickHouse has no transactions, so "all or nothing" is built from its atomic pieces:

- nothing reaches the event table before the end: a refused load, or a process killed while
  reading, leaves only its staging table, which the next load of that table drops;
- the last step is one `INSERT ... SELECT` from the staging table. Killed during that step,
  a load may leave some of its rows stored; loading the same files again stores the rest and
  skips those (the table's ReplacingMergeTree keeps one row per key in any case).

Loads of one table run one at a time: they hold the control plane's advisory lock, as on
PostgreSQL.
"""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

from gateway.loading.catalog import Table, check_table_name
from gateway.loading.loader import LoadReport, OpenWriter
from gateway.loading.rows import Batch
from gateway.loading.store import ChangedDays, DatabaseRefused, Refusal
from gateway.storage.clickhouse.base import ClickHouseClient, ClickHouseError, quote_identifier
from gateway.storage.clickhouse.copy import copy_events

STAGING_PREFIX = "minis_load_"
_VIOLATED_ROW = re.compile(r"is violated at row (\d+)")
_CONSTRAINT = re.compile(r"Constraint `([^`]+)`")


def staging_prefix(table: str) -> str:
    """The names of `table`'s staging tables begin with this."""
    return f"{STAGING_PREFIX}{table}_"


async def drop_staging(client: ClickHouseClient, table: str) -> list[str]:
    """Drop the staging tables that loads of `table` left behind (killed, or refused before
    they could drop them); the names dropped. Called with the table's load lock held."""
    rows = await client.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase()"
        " AND startsWith(name, {prefix:String}) ORDER BY name",
        {"prefix": staging_prefix(table)},
    )
    names = [row["name"] for row in rows]
    for name in names:
        await client.command(f"DROP TABLE IF EXISTS {quote_identifier(name)}")
    return names


class ClickHouseWriter:
    """Writes a load's new rows into a staging table; `commit` moves them into the table.

    A batch's keys are checked against the keys of the load so far (held here, a set of
    them) and looked up in the table, among the rows of the batch's apps only (the table's
    sort key begins with the app); keys are compared as text, which is exact for the key
    columns of the event tables (text, and the date of `feed_ad_spend`)."""

    def __init__(self, client: ClickHouseClient, table: Table) -> None:
        self._client = client
        self._table = table
        self._columns = list(table.column_names)
        self.staging = f"{staging_prefix(table.name)}{uuid.uuid4().hex[:12]}"
        self.changes = ChangedDays(table)
        self._created = False
        self._seen: set[Any] = set()  # the keys staged so far
        positions = [self._columns.index(name) for name in table.primary_key]
        self._key: Callable[[tuple[Any, ...]], Any] = operator.itemgetter(*positions)
        self._app = self._columns.index("app_id")
        single = len(positions) == 1
        self._text: Callable[[Any], Any] = str if single else (lambda key: tuple(map(str, key)))
        texts = [f"toString({quote_identifier(n)})" for n in table.primary_key]
        probed = texts[0] if single else f"tuple({', '.join(texts)})"
        kind = "String" if single else f"Tuple({', '.join('String' for _ in positions)})"
        self._probe = (
            f"SELECT {probed} AS k FROM {quote_identifier(table.name)} FINAL"
            " WHERE app_id IN {apps:Array(String)}"
            f" AND {probed} IN {{keys:Array({kind})}}"
        )

    async def write(self, batch: Batch) -> int:
        """Stage the batch's rows whose keys are new; how many. Raises DatabaseRefused."""
        if not self._created:
            await self._run(
                f"CREATE TABLE {quote_identifier(self.staging)}"
                f" AS {quote_identifier(self._table.name)} ENGINE = MergeTree ORDER BY tuple()",
                lines=[],
            )
            self._created = True
        first: dict[Any, int] = {}
        for index, row in enumerate(batch.rows):
            key = self._text(self._key(row))
            if key not in self._seen:
                first.setdefault(key, index)
        apps = sorted({batch.rows[i][self._app] for i in first.values()})
        for stored in await self._stored(list(first), apps):
            first.pop(stored, None)
        kept = sorted(first.values())
        if not kept:
            return 0
        rows = [batch.rows[i] for i in kept]
        try:
            await self._client.insert(self.staging, rows, columns=self._columns)
        except ClickHouseError as exc:
            raise DatabaseRefused(refusal(exc, [batch.lines[i] for i in kept])) from exc
        self._seen.update(first)
        self.changes.add(rows)
        return len(rows)

    async def commit(self) -> None:
        """Move the staged rows into the table, then drop the staging table."""
        if not self._created:
            return
        columns = ", ".join(map(quote_identifier, self._columns))
        await self._client.command(
            f"INSERT INTO {quote_identifier(self._table.name)} ({columns})"
            f" SELECT {columns} FROM {quote_identifier(self.staging)}"
        )
        await self.discard()

    async def discard(self) -> None:
        """Drop the staging table and what it holds (the table is untouched)."""
        if self._created:
            await self._client.command(f"DROP TABLE IF EXISTS {quote_identifier(self.staging)}")
            self._created = False

    async def _stored(self, keys: Sequence[Any], apps: Sequence[str]) -> set[Any]:
        """Those of `keys` that the table holds already."""
        if not keys:
            return set()
        try:
            rows = await self._client.query(self._probe, {"apps": list(apps), "keys": list(keys)})
        except ClickHouseError as exc:
            raise DatabaseRefused(refusal(exc, [])) from exc
        return {row["k"] if isinstance(row["k"], str) else tuple(row["k"]) for row in rows}

    async def _run(self, sql: str, *, lines: Sequence[int]) -> None:
        try:
            await self._client.command(sql)
        except ClickHouseError as exc:
            raise DatabaseRefused(refusal(exc, lines)) from exc


def refusal(exc: ClickHouseError, lines: Sequence[int]) -> Refusal:
    """ClickHouse's error as the loader reports it: the row it names (a violated CHECK names
    the row of the insert, counted from 1), the constraint, and why."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    found = _VIOLATED_ROW.search(text)
    line = None
    if found and 0 < int(found[1]) <= len(lines):
        line = lines[int(found[1]) - 1]
    constraint = _CONSTRAINT.search(text)
    reason = f"violates {constraint[1]}" if constraint else text
    return Refusal(line=line, column=None, message=f"ClickHouse refused the rows: {reason}")


def clickhouse_writers(client: ClickHouseClient, table: str) -> OpenWriter | None:
    """How `minis load` writes `table` when ClickHouse is the analytics engine: an event
    table's rows to ClickHouse (this module's writer); None for `apps`, the catalogue, which
    loads into the control plane as always (then `copy_catalogue`)."""
    if check_table_name(table) == "apps":
        return None

    async def open_writer(schema: Table) -> ClickHouseWriter:
        await drop_staging(client, schema.name)  # the load lock is held: no load of it runs
        return ClickHouseWriter(client, schema)

    return open_writer


async def copy_catalogue(
    conn: asyncpg.Connection, client: ClickHouseClient, report: LoadReport
) -> None:
    """After a load of `apps` into the control plane, the catalogue copied to ClickHouse
    whole (rows stored there before stay; re-sent ones count once)."""
    if report.table == "apps" and report.inserted:
        await copy_events(conn, client, tables=("apps",))
