"""The privacy rule as clients see it: `catalog.privacy` (the rule and its calendar) and
`privacy` on each app (the decided cells of a span of days, and which are shown).

Cells' user counts are never served: a hidden cell's count is the figure the rule protects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.apps import App
from gateway.context import Context
from gateway.errors import bad_input
from gateway.schema.naming import resolved
from gateway.storage.clickhouse.runner import ClickHouseRunner
from gateway.storage.clickhouse.stored import stored_cells
from semantic.model import SemanticModel
from semantic.privacy_cells import ALL_OS, CELLS_TABLE, compile_decisions

BLOCK_NAMES = {1: "day", 7: "ISO week", 28: "4-week period", 84: "12-week period"}
MAX_CELL_DAYS = 366


@strawberry.type(description="One level of the privacy calendar.")
class CalendarLevel:
    level: int = strawberry.field(description="0 for days, then each larger block")
    days: int
    name: str


def _late_days(info: Info[Context, Any]) -> int:
    return info.context.settings.late_days


def _decided_through(info: Info[Context, Any]) -> dt.date:
    settings = info.context.settings
    return settings.reporting_day() - dt.timedelta(days=settings.late_days)


@strawberry.type(
    description="The privacy rule: data of users in a protected region is included only from "
    "shown cells. A cell is (app, calendar block, os value or every os); it passes with at "
    "least `threshold` distinct protected-region users with a session. Cells are decided once, "
    "bottom up, when their block is complete and past the late-data window: a day is shown "
    "when it passes; a larger block when it passes and its remainder (its protected rows on "
    "days no shown smaller cell covers) is empty or passes; per-os cells only as a complete "
    "set, with the every-os cell shown. An answer, and each series point, breakdown row, "
    "cohort row, table row, funnel step and CSV line, includes protected data only from shown "
    "cells lying wholly inside its own range and os filter; `protected` on a metric says "
    "which days. Example: a card over Oct 7 - Oct 20 when the ISO weeks Oct 5 - 11 and "
    "Oct 12 - 18 are shown, and no single day is, includes US data for Oct 12 - 18 only "
    "(`included: [{start: Oct 12, end: Oct 18}]`, `complete: false`); LAST_WEEK, LAST_4_WEEKS "
    "and LAST_12_WEEKS are ranges aligned to the blocks."
)
class CatalogPrivacy:
    threshold: int
    protected_regions: list[str]
    os_dimension: str
    epoch: dt.date = strawberry.field(description="the Monday the calendar counts blocks from")
    levels: list[CalendarLevel]
    late_days: int = strawberry.field(
        resolver=_late_days,
        description="days after a block ends before its cells are decided",
    )
    decided_through: dt.date = strawberry.field(
        resolver=_decided_through,
        description="blocks ending on or before this day can be decided (the reporting day "
        "less the late days); LAST_WEEK and the like end on or before it",
    )


def catalog_privacy(model: SemanticModel) -> CatalogPrivacy:
    privacy = model.config.privacy
    return CatalogPrivacy(
        threshold=privacy.threshold,
        protected_regions=list(privacy.protected_regions),
        os_dimension=privacy.os_dimension.name,
        epoch=privacy.epoch,
        levels=[
            CalendarLevel(level=i, days=d, name=BLOCK_NAMES.get(d, f"{d}-day block"))
            for i, d in enumerate(privacy.blocks)
        ],
    )


@strawberry.type(description="A decided privacy cell.")
class PrivacyCell:
    level: int
    start: dt.date
    end: dt.date
    os: str | None = strawberry.field(description="null: the cell of every os")
    shown: bool


@strawberry.type(description="An app's privacy cells: what its answers may include.")
class AppPrivacy:
    decided_through: dt.date = strawberry.field(
        description="blocks ending on or before this day are decided; later ones are hidden "
        "until they are"
    )
    stored: bool = strawberry.field(
        description="the decisions are the ones `minis refresh` stored (final); false: decided "
        "from the rows as they are, until a refresh stores them"
    )
    cells: list[PrivacyCell] = strawberry.field(
        description="decided cells with protected-region rows inside the span, smallest first"
    )


def app_privacy_field() -> Any:
    async def privacy(
        root: App, info: Info[Context, Any], start: dt.date, end: dt.date
    ) -> AppPrivacy:
        if end < start:
            raise bad_input(f"start ({start}) is after end ({end})", argument="start")
        if (end - start).days + 1 > MAX_CELL_DAYS:
            raise bad_input(f"ask for at most {MAX_CELL_DAYS} days of cells", argument="end")
        context = info.context
        reporting_day = context.settings.reporting_day()
        through = reporting_day - dt.timedelta(days=context.settings.late_days)
        stored = root.cells_stored
        rows: list[Any]
        if isinstance(context.runner, ClickHouseRunner):
            # answers on ClickHouse read only the stored decisions: before a refresh has
            # stored any, nothing is decided (the day before the calendar's first block)
            found = await stored_cells(
                context.runner, model=context.model, app_id=root.id, start=start, end=end
            )
            rows = found.rows
            epoch = context.model.config.privacy.epoch
            through = found.decided_through or epoch - dt.timedelta(days=1)
            stored = found.stored
        elif root.cells_stored:
            rows = await context.runner.fetch_sql(
                f"SELECT level, lo, hi, os, shown FROM {CELLS_TABLE}"
                " WHERE app_id = $1 AND lo >= $2 AND hi <= $3 ORDER BY level, lo, os",
                root.id,
                start,
                end,
            )
            state = await context.runner.fetch_sql(
                "SELECT decided_through FROM minis_privacy_state WHERE app_id = $1", root.id
            )
            through = state[0]["decided_through"] if state else through
        else:
            compiled = compile_decisions(
                context.model,
                app_id=root.id,
                kind=root.kind,
                reporting_day=reporting_day,
                late_days=context.settings.late_days,
            )
            rows = [
                r
                for r in await context.runner.fetch(compiled)
                if r["lo"] >= start and r["hi"] <= end
            ]
        return AppPrivacy(
            decided_through=through,
            stored=stored,
            cells=[
                PrivacyCell(
                    level=r["level"],
                    start=r["lo"],
                    end=r["hi"],
                    os=None if r["os"] == ALL_OS else r["os"],
                    shown=r["shown"],
                )
                for r in rows
            ],
        )

    return resolved(
        privacy,
        name="privacy",
        description="the app's decided privacy cells between start and end (see "
        "catalog.privacy for the rule)",
    )
