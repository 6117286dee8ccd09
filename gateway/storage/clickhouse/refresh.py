"""`minis refresh`, `minis demo` and `minis copy-events` when ClickHouse is the analytics
engine: the event tables copied from PostgreSQL (the control plane, where `minis load` and the
demo builder write), and every app's privacy decisions stored on ClickHouse. There are no
derived tables on ClickHouse: answers scan the event tables.

Each step raises the data version in PostgreSQL afterwards, so that gateways drop the answers
they cached.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from gateway.serving.data_version import bump_data_version
from gateway.storage.clickhouse.base import ClickHouseClient, quote_identifier
from gateway.storage.clickhouse.copy import EVENT_TABLES, copy_events
from gateway.storage.clickhouse.privacy import STATE_TABLE, decide_cells
from gateway.storage.privacy_cells import CellsDecided
from semantic.model import SemanticModel
from semantic.privacy_cells import CELLS_TABLE, DAYS_TABLE

PRIVACY_TABLES = (CELLS_TABLE, DAYS_TABLE, STATE_TABLE)


@dataclass(kw_only=True)
class CellsRefresh:
    """What a privacy refresh on ClickHouse did."""

    reporting_day: dt.date
    cells: list[CellsDecided] = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        lines = [
            f"ClickHouse: privacy cells of {len(self.cells)} apps decided for reporting day "
            f"{self.reporting_day.isoformat()} in {self.seconds:.1f} s (no derived tables: "
            "answers scan the event tables)"
        ]
        for cells in self.cells:
            lines.append(
                f"  {cells.app_id:<18} through {cells.decided_through.isoformat()}"
                f" {cells.new_cells:>7,} new cells {cells.shown:>7,} shown"
            )
        return "\n".join(lines)


async def refresh_cells(
    pg: asyncpg.Connection,
    client: ClickHouseClient,
    *,
    model: SemanticModel,
    reporting_day: dt.date,
    late_days: int,
    apps: Sequence[str] | None = None,
) -> CellsRefresh:
    """Decide and store on ClickHouse the privacy cells of every app of the catalogue (the
    control plane's `apps`), or of `apps`; a second run decides nothing new."""
    started = time.perf_counter()
    rows = await pg.fetch("SELECT app_id, kind FROM apps ORDER BY app_id")
    unknown = set(apps or ()) - {row["app_id"] for row in rows}
    if unknown:
        raise ValueError(f"no such app: {', '.join(sorted(unknown))}")
    summary = CellsRefresh(reporting_day=reporting_day)
    for row in rows:
        if apps and row["app_id"] not in apps:
            continue
        summary.cells.append(
            await decide_cells(
                client,
                model=model,
                app_id=row["app_id"],
                kind=row["kind"],
                reporting_day=reporting_day,
                late_days=late_days,
            )
        )
    # always: rows may have reached ClickHouse by other ways than this process (its own
    # postgresql() table function, an insert of another tool) that raised no version
    await bump_data_version(pg)
    summary.seconds = time.perf_counter() - started
    return summary


async def copy_world(
    pg: asyncpg.Connection,
    client: ClickHouseClient,
    *,
    replace: bool = False,
    app_ids: Sequence[str] | None = None,
) -> dict[str, int]:
    """Copy the event tables (of `app_ids` only, when given) from PostgreSQL to ClickHouse;
    with `replace`, ClickHouse's event tables and privacy decisions are emptied first (the
    demo world replaces the data). Returns the rows copied per table."""
    if replace:
        for table in (*EVENT_TABLES, *PRIVACY_TABLES):
            await client.command(f"TRUNCATE TABLE {quote_identifier(table)}")
    copied = await copy_events(pg, client, app_ids=app_ids)
    await bump_data_version(pg)
    return copied


def describe_copy(copied: dict[str, int]) -> str:
    total = sum(copied.values())
    lines = [f"copied {total:,} rows to ClickHouse"]
    lines.extend(f"  {table:<18} {rows:>12,}" for table, rows in copied.items())
    return "\n".join(lines)
