"""Bulk insertion that skips rows already present: COPY into a staging table, then one
INSERT ... ON CONFLICT DO NOTHING. Re-sent rows (same primary key) change nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg


@dataclass(frozen=True, kw_only=True)
class InsertCounts:
    received: int
    inserted: int

    @property
    def skipped(self) -> int:
        return self.received - self.inserted


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def insert_deduplicated(
    conn: asyncpg.Connection,
    *,
    table: str,
    columns: Sequence[str],
    records: Iterable[Sequence[Any]],
) -> InsertCounts:
    """Insert `records` (tuples in `columns` order) into `table`, skipping primary-key duplicates,
    both against rows already stored and within `records` itself. Runs in the caller's
    transaction when there is one; `table` and `columns` must be trusted names."""
    staging = f"minis_staging_{table}"
    column_list = ", ".join(_quote(c) for c in columns)
    async with conn.transaction():
        await conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_quote(staging)} "
            f"(LIKE {_quote(table)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        received = await conn.copy_records_to_table(staging, records=records, columns=list(columns))
        received_count = int(received.split()[-1])
        status = await conn.execute(
            f"INSERT INTO {_quote(table)} ({column_list}) "
            f"SELECT {column_list} FROM {_quote(staging)} ON CONFLICT DO NOTHING"
        )
        inserted = int(status.split()[-1])
        await conn.execute(f"TRUNCATE {_quote(staging)}")
    return InsertCounts(received=received_count, inserted=inserted)
