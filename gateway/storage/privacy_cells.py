"""The refresh's privacy step: decide the app's complete calendar cells once, and store them.

A decision is final: cells already stored by the same rule are kept as they are, and only
blocks completed since are decided (bottom up, from the same query the gateway runs when
nothing is stored: `semantic.privacy.compile_decisions`). A changed rule (threshold, regions,
calendar) decides everything again. `minis_privacy_days` is rebuilt from the stored cells.

The steps are `decide_with`'s, the same on every engine; a `CellStore` says how one engine
reads and writes them (this module's for PostgreSQL, `gateway.storage.clickhouse.privacy`'s
for ClickHouse).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from semantic.engines import Engine
from semantic.model import AppKind, SemanticModel
from semantic.privacy_cells import (
    CELL_COLUMNS,
    CELLS_TABLE,
    DAYS_TABLE,
    compile_decisions,
    stored_days_sql,
)
from semantic.query import CompiledQuery
from semantic.rollups import privacy_signature


@dataclass(frozen=True, kw_only=True)
class CellsDecided:
    app_id: str
    decided_through: dt.date
    new_cells: int  # cells decided by this refresh
    shown: int  # shown cells of the app in all


@dataclass(frozen=True, kw_only=True)
class DecidedState:
    """What an app's stored decisions follow: the rule's signature, and the last day of the
    blocks decided."""

    signature: str
    decided_through: dt.date


class CellStore(Protocol):
    """One engine's stored decisions of one app at a time."""

    engine: Engine

    async def state(self, app_id: str) -> DecidedState | None: ...

    async def forget(self, app_id: str) -> None:
        """Drop the app's cells (its rule changed)."""

    async def count(self, app_id: str, *, shown: bool = False) -> int:
        """How many cells of the app are stored (with `shown`: shown)."""

    async def decide(self, compiled: CompiledQuery) -> Sequence[Mapping[str, Any]]:
        """The rows (`CELL_COLUMNS`) of the deciding statement."""

    async def store(
        self, app_id: str, rows: Sequence[Mapping[str, Any]], *, state: DecidedState
    ) -> None:
        """Add the cells `rows` (a stored cell is kept as it is), rebuild the app's days from
        its cells, then record `state`."""


async def decide_with(
    store: CellStore,
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
    state = await store.state(app_id)
    if state is not None and state.signature != signature:
        await store.forget(app_id)
        state = None
    decided = through if state is None else max(through, state.decided_through)
    before = await store.count(app_id)
    if state is None or state.decided_through < through:
        compiled = compile_decisions(
            model,
            app_id=app_id,
            kind=AppKind(kind),
            reporting_day=reporting_day,
            late_days=late_days,
            stored_through=state.decided_through if state is not None else None,
            engine=store.engine,
        )
        rows = await store.decide(compiled)
        await store.store(
            app_id, rows, state=DecidedState(signature=signature, decided_through=decided)
        )
    return CellsDecided(
        app_id=app_id,
        decided_through=decided,
        new_cells=await store.count(app_id) - before,
        shown=await store.count(app_id, shown=True),
    )


class PostgresCells:
    """Stored decisions in PostgreSQL, written inside the caller's transaction."""

    engine = Engine.POSTGRES

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def state(self, app_id: str) -> DecidedState | None:
        row = await self._conn.fetchrow(
            "SELECT signature, decided_through FROM minis_privacy_state WHERE app_id = $1",
            app_id,
        )
        return None if row is None else DecidedState(**dict(row))

    async def forget(self, app_id: str) -> None:
        await self._conn.execute(f"DELETE FROM {CELLS_TABLE} WHERE app_id = $1", app_id)

    async def count(self, app_id: str, *, shown: bool = False) -> int:
        where = " AND shown" if shown else ""
        sql = f"SELECT count(*) FROM {CELLS_TABLE} WHERE app_id = $1{where}"
        return int(await self._conn.fetchval(sql, app_id))

    async def decide(self, compiled: CompiledQuery) -> Sequence[Mapping[str, Any]]:
        return [dict(row) for row in await self._conn.fetch(compiled.sql, *compiled.params)]

    async def store(
        self, app_id: str, rows: Sequence[Mapping[str, Any]], *, state: DecidedState
    ) -> None:
        columns = ", ".join(CELL_COLUMNS)
        await self._conn.executemany(
            f"INSERT INTO {CELLS_TABLE} (app_id, {columns})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            " ON CONFLICT (app_id, level, lo, os) DO NOTHING",
            [(app_id, *(row[c] for c in CELL_COLUMNS)) for row in rows],
        )
        await self._conn.execute(f"DELETE FROM {DAYS_TABLE} WHERE app_id = $1", app_id)
        await self._conn.execute(stored_days_sql(), app_id)
        await self._conn.execute(
            """
            INSERT INTO minis_privacy_state (app_id, signature, decided_through)
            VALUES ($1, $2, $3)
            ON CONFLICT (app_id) DO UPDATE SET signature = EXCLUDED.signature,
                decided_through = EXCLUDED.decided_through, decided_at = now()
            """,
            app_id,
            state.signature,
            state.decided_through,
        )


async def decide_cells(
    conn: asyncpg.Connection,
    *,
    model: SemanticModel,
    app_id: str,
    kind: str,
    reporting_day: dt.date,
    late_days: int,
) -> CellsDecided:
    """Decide and store the app's cells in PostgreSQL, in one REPEATABLE READ transaction."""
    async with conn.transaction(isolation="repeatable_read"):
        # compiling these long statements to machine code costs seconds and saves nothing
        await conn.execute("SET LOCAL jit = off")
        return await decide_with(
            PostgresCells(conn),
            model=model,
            app_id=app_id,
            kind=kind,
            reporting_day=reporting_day,
            late_days=late_days,
        )
