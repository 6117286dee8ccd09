"""SQL helpers shared by the tests of the full-size demo world."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.gateway.demo.conftest import World

# event table -> its time column
TIMES = {
    "launches": "started_at",
    "orders": "created_at",
    "ad_events": "occurred_at",
    "runtime_reports": "reported_at",
    "network_calls": "occurred_at",
    "feed_ad_clicks": "clicked_at",
    "feed_card_events": "occurred_at",
    "funnel_events": "occurred_at",
}
GAME_ONLY = (
    "ad_events",
    "runtime_reports",
    "network_calls",
    "feed_ad_spend",
    "feed_ad_clicks",
    "feed_card_events",
)
DRAMA_ONLY = ("funnel_events",)
# each user's first session, and the paid-acquired users of events.md with whether a click the
# same UTC day preceded their first session
FIRSTS = """
    firsts AS (
        SELECT app_id, user_id, min(started_at) AS first_at
        FROM launches WHERE success GROUP BY app_id, user_id
    )"""
PAID = (
    FIRSTS
    + """,
    paid AS (
        SELECT f.app_id, f.user_id, f.first_at,
               bool_or((c.clicked_at AT TIME ZONE 'UTC')::date
                       = (f.first_at AT TIME ZONE 'UTC')::date) AS first_day
        FROM firsts f
        JOIN feed_ad_clicks c ON c.app_id = f.app_id AND c.user_id = f.user_id
            AND c.clicked_at <= f.first_at AND f.first_at <= c.clicked_at + interval '30 days'
        GROUP BY f.app_id, f.user_id, f.first_at
    )"""
)


def day_of(column: str) -> str:
    return f"({column} AT TIME ZONE 'UTC')::date"


async def one(world: World, sql: str, *args: object) -> asyncpg.Record:
    row = await world.conn.fetchrow(sql, *args)
    assert row is not None
    return row


async def pairs(world: World, sql: str, *args: object) -> dict[Any, Any]:
    return {r[0]: r[1] for r in await world.conn.fetch(sql, *args)}


async def counts_by_app(world: World, table: str) -> dict[str, int]:
    rows = await world.conn.fetch(f"SELECT app_id, count(*) AS n FROM {table} GROUP BY app_id")
    return {r["app_id"]: r["n"] for r in rows}


def apps_of(world: World, kind: str) -> list[str]:
    return [a.app_id for a in world.summary.apps if a.kind == kind and a.status == "launched"]
