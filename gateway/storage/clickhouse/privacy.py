"""The refresh's privacy step on ClickHouse: the same decisions as on PostgreSQL, by the same
steps (`gateway.storage.privacy_cells.decide_with`) and the same statement compiled for
ClickHouse, stored in its own `minis_privacy_cells` and `minis_privacy_days`.

Decisions are final here too: a refresh decides only the blocks completed since the stored
ones (the statement keeps the stored decisions as they are), and a changed rule decides
everything again. ClickHouse has no transactions: the state row is written last, so a refresh
stopped midway is done again by the next one; the cells it had written are the same decisions
(a re-sent cell replaces its equal under ReplacingMergeTree).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from gateway.storage.clickhouse.base import ClickHouseClient
from gateway.storage.clickhouse.staged import fetch_staged
from gateway.storage.clickhouse.statements import execute
from gateway.storage.privacy_cells import CellsDecided, DecidedState, decide_with
from semantic.engines import Engine
from semantic.model import SemanticModel
from semantic.privacy_cells import CELL_COLUMNS, CELLS_TABLE, DAYS_TABLE, stored_days_sql
from semantic.query import CompiledQuery

STATE_TABLE = "minis_privacy_state"


class ClickHouseCells:
    """Stored decisions in ClickHouse."""

    engine = Engine.CLICKHOUSE

    def __init__(self, client: ClickHouseClient) -> None:
        self._client = client

    async def state(self, app_id: str) -> DecidedState | None:
        rows = await self._client.query(
            f"SELECT signature, decided_through FROM {STATE_TABLE} FINAL"
            " WHERE app_id = {app:String}",
            {"app": app_id},
        )
        return DecidedState(**rows[0]) if rows else None

    async def forget(self, app_id: str) -> None:
        await self._client.command(
            f"DELETE FROM {CELLS_TABLE} WHERE app_id = {{app:String}}", {"app": app_id}
        )

    async def count(self, app_id: str, *, shown: bool = False) -> int:
        where = " AND shown" if shown else ""
        rows = await self._client.query(
            f"SELECT count() AS n FROM {CELLS_TABLE} FINAL WHERE app_id = {{app:String}}{where}",
            {"app": app_id},
        )
        return int(rows[0]["n"])

    async def decide(self, compiled: CompiledQuery) -> Sequence[Mapping[str, Any]]:
        # in stages: as one statement, its analysis alone takes seconds (see `staged`)
        return await fetch_staged(self._client, compiled)

    async def store(
        self, app_id: str, rows: Sequence[Mapping[str, Any]], *, state: DecidedState
    ) -> None:
        await self._client.insert(
            CELLS_TABLE,
            [(app_id, *(_cell_value(c, row[c]) for c in CELL_COLUMNS)) for row in rows],
            columns=("app_id", *CELL_COLUMNS),
        )
        await self._client.command(
            f"DELETE FROM {DAYS_TABLE} WHERE app_id = {{app:String}}", {"app": app_id}
        )
        await execute(self._client, stored_days_sql(engine=Engine.CLICKHOUSE), app_id)
        await self._client.insert(
            STATE_TABLE,
            [(app_id, state.signature, state.decided_through)],
            columns=("app_id", "signature", "decided_through"),
        )


def _cell_value(column: str, value: object) -> object:
    """A decided cell's value as its column stores it (ClickHouse gives booleans as 0/1)."""
    return bool(value) if column == "shown" else value


async def decide_cells(
    client: ClickHouseClient,
    *,
    model: SemanticModel,
    app_id: str,
    kind: str,
    reporting_day: dt.date,
    late_days: int,
) -> CellsDecided:
    """Decide and store the app's cells on ClickHouse."""
    return await decide_with(
        ClickHouseCells(client),
        model=model,
        app_id=app_id,
        kind=kind,
        reporting_day=reporting_day,
        late_days=late_days,
    )
