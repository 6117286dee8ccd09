"""`minis refresh`: build the derived tables up to the reporting day, app by app.

Each app is rebuilt in one REPEATABLE READ transaction from the first day that needs it: its
first day when nothing is built yet or the model's rollups changed, else the earliest of the
late-data window and the earliest day a load touched since the last refresh. Only those days'
rows are read: the users each cell had seen before them, which the counts of users first seen
in a cell need, are stored by the refresh before (gateway/storage/frontier.py). Readers see the
previous state until that transaction commits, and a refresh killed midway leaves it as it was.
One refresh runs at a time per database (an advisory lock).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import asyncpg

from gateway.serving.data_version import bump_data_version
from gateway.storage.bitmaps import length_for
from gateway.storage.first_rows import refresh_first_rows
from gateway.storage.frontier import (
    FRONTIER_TABLE,
    count_firsts,
    frontier_day,
    seen_before,
    store_frontier,
)
from gateway.storage.privacy_cells import CellsDecided, decide_cells
from gateway.storage.rollup_rows import store_rollup_rows
from semantic.model import SemanticModel
from semantic.rollup_build import compile_new_ordinals, compile_rollup_build
from semantic.rollups import (
    BITMAPS_TABLE,
    CELLS_TABLE,
    ORDINALS_TABLE,
    RollupPlan,
    plan_rollups,
)

DEFAULT_LATE_DAYS = 3
DERIVED_TABLES = (
    CELLS_TABLE,
    BITMAPS_TABLE,
    ORDINALS_TABLE,
    FRONTIER_TABLE,
    "minis_rollup_state",
    "minis_app_changes",
)
_LOCK_KEY = 0x6D696E6973 + 1  # one refresh at a time per database
BUILD_WORK_MEM = "256MB"  # PostgreSQL's work_mem for the statements building an app's cells


class RefreshProgress(Protocol):
    def start(self, *, apps: int) -> None: ...

    def advance(self, *, app_id: str) -> None: ...

    def stop(self) -> None: ...


class NoProgress:
    def start(self, *, apps: int) -> None:
        pass

    def advance(self, *, app_id: str) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass(frozen=True, kw_only=True)
class AppRefresh:
    app_id: str
    rebuilt_from: dt.date | None  # None: nothing needed rebuilding
    full: bool
    cells: int
    bitmaps: int
    seconds: float


@dataclass(kw_only=True)
class RefreshSummary:
    reporting_day: dt.date
    apps: list[AppRefresh] = field(default_factory=list)
    cells: list[CellsDecided] = field(default_factory=list)  # privacy decisions per app
    seconds: float = 0.0

    def describe(self) -> str:
        changed = [a for a in self.apps if a.rebuilt_from is not None]
        lines = [
            f"derived tables built through {self.reporting_day.isoformat()}: "
            f"{len(changed)} of {len(self.apps)} apps rebuilt in {self.seconds:.1f} s"
        ]
        for app in self.apps:
            if app.rebuilt_from is None:
                lines.append(f"  {app.app_id:<18} up to date")
                continue
            span = "all days" if app.full else f"from {app.rebuilt_from.isoformat()}"
            lines.append(
                f"  {app.app_id:<18} {span:<16} {app.cells:>9,} cells {app.bitmaps:>9,} bitmaps"
                f" {app.seconds:6.1f} s"
            )
        if self.cells:
            through = max(c.decided_through for c in self.cells)
            new = sum(c.new_cells for c in self.cells)
            shown = sum(c.shown for c in self.cells)
            lines.append(
                f"privacy cells decided through {through.isoformat()}: {new:,} new,"
                f" {shown:,} shown in all"
            )
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class _State:
    signature: str
    protected: list[str]
    built_through: dt.date
    bitmap_length: int
    data_version: int
    frontier_through: dt.date | None  # the day the stored frontier is of (frontier.py)


async def refresh(
    conn: asyncpg.Connection,
    *,
    model: SemanticModel,
    reporting_day: dt.date,
    late_days: int = DEFAULT_LATE_DAYS,
    apps: Sequence[str] | None = None,
    progress: RefreshProgress | None = None,
) -> RefreshSummary:
    """Bring every app's derived tables (or those of `apps`) up to `reporting_day`."""
    plan = plan_rollups(model)
    progress = progress or NoProgress()
    summary = RefreshSummary(reporting_day=reporting_day)
    started = time.perf_counter()
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        rows = await conn.fetch("SELECT app_id, kind FROM apps ORDER BY app_id")
        chosen = [r for r in rows if apps is None or r["app_id"] in apps]
        progress.start(apps=len(chosen))
        for row in chosen:
            app = {
                "model": model,
                "app_id": row["app_id"],
                "kind": row["kind"],
                "reporting_day": reporting_day,
                "late_days": late_days,
            }
            summary.apps.append(await _refresh_app(conn, plan=plan, **app))
            # then the privacy cells of the blocks completed since (semantic/privacy.py)
            summary.cells.append(await decide_cells(conn, **app))
            progress.advance(app_id=row["app_id"])
    finally:
        progress.stop()
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    if any(a.rebuilt_from is not None for a in summary.apps) or any(
        c.new_cells for c in summary.cells
    ):
        # gateways drop the answers they cached from the derived tables replaced
        await bump_data_version(conn)
    summary.seconds = time.perf_counter() - started
    return summary


async def _state(conn: asyncpg.Connection, app_id: str) -> _State | None:
    row = await conn.fetchrow(
        "SELECT signature, protected, built_through, bitmap_length, data_version,"
        " frontier_through FROM minis_rollup_state WHERE app_id = $1",
        app_id,
    )
    return None if row is None else _State(**dict(row))


def _rebuild_from(
    state: _State | None,
    *,
    signature: str,
    protected: tuple[str, ...],
    version: int,
    dirty_from: dt.date | None,
    reporting_day: dt.date,
    late_days: int,
) -> tuple[bool, dt.date | None]:
    """(full rebuild?, first day to rebuild); (False, None) when all is current."""
    if state is None or state.signature != signature or tuple(state.protected) != protected:
        return True, None
    candidates = [state.built_through + dt.timedelta(days=1 - late_days)]
    if version != state.data_version and dirty_from is not None:
        candidates.append(dirty_from)
    start = min(candidates)
    current = version == state.data_version and state.built_through >= reporting_day
    if current:
        return False, None
    start = min(start, reporting_day)
    through = state.frontier_through
    if through is not None and start > through + dt.timedelta(days=1):
        # the users each cell had seen are stored for the day `through`: rebuild from the
        # day after (a day or two more than needed) rather than read the earlier rows
        start = through + dt.timedelta(days=1)
    return False, start


async def _refresh_app(
    conn: asyncpg.Connection,
    *,
    model: SemanticModel,
    plan: RollupPlan,
    app_id: str,
    kind: str,
    reporting_day: dt.date,
    late_days: int,
) -> AppRefresh:
    started = time.perf_counter()
    async with conn.transaction(isolation="repeatable_read"):
        # compiling these long statements to machine code costs seconds and saves nothing
        await conn.execute("SET LOCAL jit = off")
        # the cells are grouped per user and day in memory: with the default 4 MB the
        # groupings spill to disk
        await conn.execute(f"SET LOCAL work_mem = '{BUILD_WORK_MEM}'")
        change = await conn.fetchrow(
            "SELECT version, dirty_from FROM minis_app_changes WHERE app_id = $1", app_id
        )
        version = change["version"] if change else 0
        dirty_from = change["dirty_from"] if change else None
        state = await _state(conn, app_id)
        full, lo = _rebuild_from(
            state,
            signature=plan.signature,
            protected=plan.protected,
            version=version,
            dirty_from=dirty_from,
            reporting_day=reporting_day,
            late_days=late_days,
        )
        if not full and lo is None:
            return AppRefresh(
                app_id=app_id, rebuilt_from=None, full=False, cells=0, bitmaps=0, seconds=0.0
            )
        length = await _ordinals(conn, model, plan, app_id=app_id, lo=lo, state=state, full=full)
        await _clear(conn, app_id=app_id, lo=lo)
        await refresh_first_rows(conn, model=model, app_id=app_id, lo=lo)
        seen = await seen_before(
            conn,
            model=model,
            plan=plan,
            app_id=app_id,
            kind=kind,
            lo=lo,
            stored_through=None if state is None else state.frontier_through,
            length=length,
            through=frontier_day(hi=reporting_day, lo=lo, late_days=late_days),
        )
        cells, bitmaps = 0, 0
        for rollup in plan.rollups.values():
            compiled = compile_rollup_build(
                model, rollup, app_id=app_id, kind=kind, lo=lo, hi=reporting_day
            )
            rows = await conn.fetch(compiled.sql, *compiled.params)
            firsts = count_firsts(seen, rollup, rows) if rollup.firsts else None
            stored = await store_rollup_rows(
                conn, app_id=app_id, rollup=rollup, rows=rows, length=length, firsts=firsts
            )
            cells += stored.cells
            bitmaps += stored.bitmaps
        await store_frontier(conn, app_id=app_id, seen=seen)
        await conn.execute(
            """
            INSERT INTO minis_rollup_state (app_id, signature, protected, built_through,
                bitmap_length, data_version, refreshed_at, frontier_through)
            VALUES ($1, $2, $6, $3, $4, $5, now(), $7)
            ON CONFLICT (app_id) DO UPDATE SET signature = EXCLUDED.signature,
                protected = EXCLUDED.protected,
                built_through = EXCLUDED.built_through, bitmap_length = EXCLUDED.bitmap_length,
                data_version = EXCLUDED.data_version, refreshed_at = EXCLUDED.refreshed_at,
                frontier_through = EXCLUDED.frontier_through
            """,
            app_id,
            plan.signature,
            reporting_day,
            length,
            version,
            list(plan.protected),
            seen.through,
        )
    # outside the snapshot: forget the changes this refresh has taken in, unless a load
    # changed the app again meanwhile (then the next refresh rebuilds from its day)
    await conn.execute(
        "UPDATE minis_app_changes SET dirty_from = NULL WHERE app_id = $1 AND version = $2",
        app_id,
        version,
    )
    return AppRefresh(
        app_id=app_id,
        rebuilt_from=lo or reporting_day,
        full=full,
        cells=cells,
        bitmaps=bitmaps,
        seconds=time.perf_counter() - started,
    )


async def _ordinals(
    conn: asyncpg.Connection,
    model: SemanticModel,
    plan: RollupPlan,
    *,
    app_id: str,
    lo: dt.date | None,
    state: _State | None,
    full: bool,
) -> int:
    """Number the app's new users; grow its bitmaps if they no longer fit. Returns the
    bitmap length."""
    count = await _numbered(conn, app_id)
    compiled = compile_new_ordinals(model, plan, app_id=app_id, lo=lo, base=count)
    if compiled is not None:
        await conn.execute(compiled.sql, *compiled.params)
    users = await _numbered(conn, app_id)
    current = 0 if state is None or full else state.bitmap_length
    length = length_for(users, current)
    if not full and state is not None and length != state.bitmap_length:
        await conn.execute(
            f"UPDATE {BITMAPS_TABLE} SET bits = bits || repeat('0', $2 - length(bits))::varbit"
            " WHERE app_id = $1",
            app_id,
            length,
        )
    return length


async def _numbered(conn: asyncpg.Connection, app_id: str) -> int:
    """How many of the app's users have an ordinal: they are numbered 0, 1, ... without
    gaps, so one more than the highest (read from the index, not by counting them all)."""
    highest = await conn.fetchval(
        f"SELECT max(ordinal) FROM {ORDINALS_TABLE} WHERE app_id = $1", app_id
    )
    return 0 if highest is None else int(highest) + 1


async def _clear(conn: asyncpg.Connection, *, app_id: str, lo: dt.date | None) -> None:
    for table in (CELLS_TABLE, BITMAPS_TABLE):
        if lo is None:
            await conn.execute(f"DELETE FROM {table} WHERE app_id = $1", app_id)
        else:
            await conn.execute(f"DELETE FROM {table} WHERE app_id = $1 AND day >= $2", app_id, lo)
