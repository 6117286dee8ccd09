"""How far each app's derived tables are built, as the gateway reads it with the app itself.

An app's derived data is *current* when it was built by this model's rollups (the plan's
signature) from the app's raw data as it is now (no load since: `minis_app_changes`). Only
then are answers read from it; otherwise they come from the raw rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from gateway.apps import APP_COLUMNS
from semantic.rollups import RollupPlan


def derived_through_sql(first_param: int) -> str:
    """Column expressions over `apps` (see `plan_params` for the parameters from
    `first_param` on): `derived_through`, the day derived data is built through, if current
    for the plan; `cells_stored`, whether stored privacy decisions follow the model's rule;
    `cells_shown`, whether any of the app's cells is shown (true when not stored)."""
    signature, protected = f"${first_param}", f"${first_param + 1}::text[]"
    rule = f"${first_param + 2}"
    stored = (
        "EXISTS (SELECT 1 FROM minis_privacy_state p"
        f" WHERE p.app_id = apps.app_id AND p.signature = {rule})"
    )
    return (
        "(SELECT s.built_through FROM minis_rollup_state s"
        " LEFT JOIN minis_app_changes c ON c.app_id = s.app_id"
        f" WHERE s.app_id = apps.app_id AND s.signature = {signature}"
        f" AND (s.protected = {protected} OR cardinality({protected}) = 0)"
        " AND s.data_version = coalesce(c.version, 0)) AS derived_through,"
        f" {stored} AS cells_stored,"
        f" (NOT {stored} OR EXISTS (SELECT 1 FROM minis_privacy_days d"
        " WHERE d.app_id = apps.app_id)) AS cells_shown"
    )


def plan_params(plan: RollupPlan) -> tuple[str, list[str], str]:
    return plan.signature, list(plan.protected), plan.cells_signature


def apps_query(where: str, *, first_param: int, order: str = "") -> str:
    """SELECT the app columns and `derived_through` from apps WHERE `where`."""
    query = f"SELECT {APP_COLUMNS}, {derived_through_sql(first_param)} FROM apps WHERE {where}"
    return f"{query} ORDER BY {order}" if order else query


async def derived_summary(conn: asyncpg.Connection | Any, *, plan: RollupPlan) -> dict[str, object]:
    """For /healthz: the days apps' derived tables are built through, and the stale apps."""
    rows = await conn.fetch(
        f"SELECT app_id, {derived_through_sql(1)} FROM apps ORDER BY app_id", *plan_params(plan)
    )
    built = [r["derived_through"] for r in rows if r["derived_through"] is not None]
    stale = [r["app_id"] for r in rows if r["derived_through"] is None]
    latest: dt.date | None = max(built) if built else None
    oldest: dt.date | None = min(built) if built else None
    return {
        "built_through": latest.isoformat() if latest else None,
        "oldest_built_through": oldest.isoformat() if oldest else None,
        "stale_apps": stale,
    }


async def mark_changed(conn: asyncpg.Connection, *, firsts: dict[str, dt.date]) -> None:
    """Record in the caller's transaction that these apps got rows from these days on, so
    that their derived data stops being read until `minis refresh` rebuilds it."""
    if not firsts:
        return
    await conn.executemany(
        """
        INSERT INTO minis_app_changes (app_id, version, dirty_from) VALUES ($1, 1, $2)
        ON CONFLICT (app_id) DO UPDATE SET version = minis_app_changes.version + 1,
            dirty_from = LEAST(minis_app_changes.dirty_from, EXCLUDED.dirty_from)
        """,
        list(firsts.items()),
    )


class DerivedUse:
    """What one request read: per app, the day its derived data is built through (None when
    not current), and how many measures came from derived tables and from raw rows."""

    def __init__(self) -> None:
        self.apps: dict[str, dt.date | None] = {}
        self.derived = 0
        self.raw = 0

    def record(self, *, app_id: str, built_through: dt.date | None, derived: int, raw: int) -> None:
        self.apps[app_id] = built_through
        self.derived += derived
        self.raw += raw

    def __bool__(self) -> bool:
        return bool(self.apps)

    def as_json(self) -> dict[str, object]:
        return {
            "apps": {
                app: {"builtThrough": day.isoformat() if day else None, "current": day is not None}
                for app, day in sorted(self.apps.items())
            },
            "measures": {"derived": self.derived, "raw": self.raw},
        }
