"""What the gateway reads of the privacy decisions `minis refresh` stored on ClickHouse
(gateway.storage.clickhouse.privacy writes them): an app's cells for its `privacy` field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gateway.storage.clickhouse.privacy import STATE_TABLE
from gateway.storage.clickhouse.runner import ClickHouseRunner
from semantic.model import SemanticModel
from semantic.privacy_cells import CELLS_TABLE
from semantic.rollups import privacy_signature


@dataclass(frozen=True, kw_only=True)
class StoredCells:
    rows: list[dict[str, Any]]  # level, lo, hi, os, shown; smallest first
    decided_through: dt.date | None  # None: nothing decided yet
    stored: bool  # decided by the model's rule (else by an earlier one, until a refresh)


async def stored_cells(
    runner: ClickHouseRunner,
    *,
    model: SemanticModel,
    app_id: str,
    start: dt.date,
    end: dt.date,
) -> StoredCells:
    """The app's decided cells lying inside start..end, and how far its blocks are decided."""
    rows = await runner.query(
        f"SELECT level, lo, hi, os, shown FROM {CELLS_TABLE} FINAL"
        " WHERE app_id = {app:String} AND lo >= {start:Date} AND hi <= {end:Date}"
        " ORDER BY level, lo, os",
        {"app": app_id, "start": start, "end": end},
    )
    states = await runner.query(
        f"SELECT signature, decided_through FROM {STATE_TABLE} FINAL WHERE app_id = {{app:String}}",
        {"app": app_id},
    )
    state = states[0] if states else None
    return StoredCells(
        rows=[{**row, "shown": bool(row["shown"])} for row in rows],
        decided_through=state["decided_through"] if state is not None else None,
        stored=state is not None and state["signature"] == privacy_signature(model),
    )
