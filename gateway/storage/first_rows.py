"""The stored first rows of `first_of` sources (semantic/first_rows.py), kept by the refresh."""

from __future__ import annotations

import datetime as dt

import asyncpg

from semantic.first_rows import compile_clear, compile_fill, ddl, first_rows_of
from semantic.model import SemanticModel


async def refresh_first_rows(
    conn: asyncpg.Connection, *, model: SemanticModel, app_id: str, lo: dt.date | None
) -> int:
    """Bring the app's first rows up to date from `lo` (all of them without it), inside the
    caller's transaction; returns the rows inserted. Tables are created when missing."""
    inserted = 0
    for first in first_rows_of(model):
        for statement in ddl(first):
            await conn.execute(statement)
        clear = compile_clear(first, app_id=app_id, lo=lo)
        await conn.execute(clear.sql, *clear.params)
        fill = compile_fill(first, app_id=app_id, lo=lo)
        status = await conn.execute(fill.sql, *fill.params)
        inserted += int(status.split()[-1])
        if lo is None:  # a whole app's rows: statistics the planner can use at once
            await conn.execute(f"ANALYZE {first.table}")
    return inserted


async def first_rows_tables(conn: asyncpg.Connection, *, model: SemanticModel) -> list[str]:
    """The first-row tables of the model that exist in the database."""
    names = [first.table for first in first_rows_of(model)]
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE tablename = ANY($1::text[]) ORDER BY 1", names
    )
    return [r["tablename"] for r in rows]
