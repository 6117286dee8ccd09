"""The refresh's privacy step on ClickHouse: the same decisions as on PostgreSQL
(`gateway.storage.privacy_cells`), decided by the same statement compiled for ClickHouse
and stored in its own `minis_privacy_cells` and `minis_privacy_days`.

Decisions are final here too: a refresh decides only the blocks completed since the stored
ones (the statement keeps the stored decisions as they are), and a changed rule decides
everything again. ClickHouse has no transactions: the state row is written last, so a refresh
stopped midway is done again by the next one; the cells it had written are the same decisions
(a re-sent cell replaces its equal under ReplacingMergeTree).
"""

from __future__ import annotations

import datetime as dt

from gateway.storage.clickhouse.base import ClickHouseClient
from gateway.storage.clickhouse.statements import execute, fetch
from gateway.storage.privacy_cells import CellsDecided
from semantic.engines import Engine
from semantic.model import AppKind, SemanticModel
from semantic.privacy_cells import (
    CELL_COLUMNS,
    CELLS_TABLE,
    DAYS_TABLE,
    compile_decisions,
    stored_days_sql,
)
from semantic.rollups import privacy_signature

STATE_TABLE = "minis_privacy_state"


async def decide_cells(
    client: ClickHouseClient,
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
    app = {"app": app_id}
    states = await client.query(
        f"SELECT signature, decided_through FROM {STATE_TABLE} FINAL WHERE app_id = {{app:String}}",
        app,
    )
    state = states[0] if states else None
    if state is not None and state["signature"] != signature:
        await client.command(f"DELETE FROM {CELLS_TABLE} WHERE app_id = {{app:String}}", app)
        state = None
    before = await _cells(client, app_id)
    if state is None or state["decided_through"] < through:
        compiled = compile_decisions(
            model,
            app_id=app_id,
            kind=AppKind(kind),
            reporting_day=reporting_day,
            late_days=late_days,
            stored_through=state["decided_through"] if state is not None else None,
            engine=Engine.CLICKHOUSE,
        )
        rows = await fetch(client, compiled)
        await client.insert(
            CELLS_TABLE,
            [(app_id, *(_cell_value(c, row[c]) for c in CELL_COLUMNS)) for row in rows],
            columns=("app_id", *CELL_COLUMNS),
        )
        await client.command(f"DELETE FROM {DAYS_TABLE} WHERE app_id = {{app:String}}", app)
        await execute(client, stored_days_sql(engine=Engine.CLICKHOUSE), app_id)
        decided = through if state is None else max(through, state["decided_through"])
        await client.insert(
            STATE_TABLE,
            [(app_id, signature, decided)],
            columns=("app_id", "signature", "decided_through"),
        )
    new = await _cells(client, app_id) - before
    shown = await _cells(client, app_id, shown=True)
    return CellsDecided(
        app_id=app_id,
        decided_through=through if state is None else max(through, state["decided_through"]),
        new_cells=new,
        shown=shown,
    )


def _cell_value(column: str, value: object) -> object:
    """A decided cell's value as its column stores it (ClickHouse gives booleans as 0/1)."""
    return bool(value) if column == "shown" else value


async def _cells(client: ClickHouseClient, app_id: str, *, shown: bool = False) -> int:
    """How many cells of the app are stored (with `shown`: shown)."""
    where = " AND shown" if shown else ""
    rows = await client.query(
        f"SELECT count() AS n FROM {CELLS_TABLE} FINAL WHERE app_id = {{app:String}}{where}",
        {"app": app_id},
    )
    return int(rows[0]["n"])
