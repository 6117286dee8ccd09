"""The refresh's privacy step: decide the app's complete calendar cells once, and store them.

A decision is final: cells already stored by the same rule are kept as they are, and only
blocks completed since are decided (bottom up, from the same query the gateway runs when
nothing is stored: `semantic.privacy.compile_decisions`). A changed rule (threshold, regions,
calendar) decides everything again. `minis_privacy_days` is rebuilt from the stored cells.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from semantic.model import AppKind, SemanticModel
from semantic.privacy_cells import (
    CELL_COLUMNS,
    CELLS_TABLE,
    DAYS_TABLE,
    compile_decisions,
    stored_days_sql,
)
from semantic.rollups import privacy_signature


@dataclass(frozen=True, kw_only=True)
class CellsDecided:
    app_id: str
    decided_through: dt.date
    new_cells: int  # cells decided by this refresh
    shown: int  # shown cells of the app in all


async def decide_cells(
    conn: asyncpg.Connection,
    *,
    model: SemanticModel,
    app_id: str,
    kind: str,
    reporting_day: dt.date,
    late_days: int,
) -> CellsDecided:
    """Decide and store the app's cells of blocks ending by `reporting_day - late_days`."""
    signature = privacy_signature(model)
    through = reporting_day - dt.timedelta(days=late_days)
    async with conn.transaction(isolation="repeatable_read"):
        # compiling these long statements to machine code costs seconds and saves nothing
        await conn.execute("SET LOCAL jit = off")
        state = await conn.fetchrow(
            "SELECT signature, decided_through FROM minis_privacy_state WHERE app_id = $1",
            app_id,
        )
        if state is not None and state["signature"] != signature:
            await conn.execute(f"DELETE FROM {CELLS_TABLE} WHERE app_id = $1", app_id)
            state = None
        before = await _cells(conn, app_id)
        if state is None or state["decided_through"] < through:
            compiled = compile_decisions(
                model,
                app_id=app_id,
                kind=AppKind(kind),
                reporting_day=reporting_day,
                late_days=late_days,
                stored_through=state["decided_through"] if state is not None else None,
            )
            rows = await conn.fetch(compiled.sql, *compiled.params)
            columns = ", ".join(CELL_COLUMNS)
            await conn.executemany(
                f"INSERT INTO {CELLS_TABLE} (app_id, {columns})"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                " ON CONFLICT (app_id, level, lo, os) DO NOTHING",
                [(app_id, *(row[c] for c in CELL_COLUMNS)) for row in rows],
            )
            await conn.execute(f"DELETE FROM {DAYS_TABLE} WHERE app_id = $1", app_id)
            await conn.execute(stored_days_sql(), app_id)
            await conn.execute(
                """
                INSERT INTO minis_privacy_state (app_id, signature, decided_through)
                VALUES ($1, $2, $3)
                ON CONFLICT (app_id) DO UPDATE SET signature = EXCLUDED.signature,
                    decided_through = GREATEST(minis_privacy_state.decided_through,
                                               EXCLUDED.decided_through),
                    decided_at = now()
                """,
                app_id,
                signature,
                through,
            )
        new = await _cells(conn, app_id) - before
        shown = await _cells(conn, app_id, shown=True)
    return CellsDecided(
        app_id=app_id,
        decided_through=through if state is None else max(through, state["decided_through"]),
        new_cells=new,
        shown=shown,
    )


async def _cells(conn: asyncpg.Connection, app_id: str, *, shown: bool = False) -> int:
    """How many cells of the app are stored (with `shown`: shown)."""
    where = " AND shown" if shown else ""
    count = await conn.fetchval(
        f"SELECT count(*) FROM {CELLS_TABLE} WHERE app_id = $1{where}", app_id
    )
    return int(count)
